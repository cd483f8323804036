/**
 * The web-platform globals shared/ may use: each exists in browsers, Web Workers and Node ≥ 20
 * alike. shared/ compiles without the DOM and Node libs so that nothing else slips in.
 */
interface SharedSubtleCrypto {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  importKey(
    format: 'raw',
    keyData: Uint8Array<ArrayBuffer>,
    algorithm: { name: 'Ed25519' },
    extractable: boolean,
    keyUsages: ['verify'],
  ): Promise<SharedCryptoKey>;
  verify(
    algorithm: { name: 'Ed25519' },
    key: SharedCryptoKey,
    signature: Uint8Array<ArrayBuffer>,
    data: Uint8Array<ArrayBuffer>,
  ): Promise<boolean>;
}

interface SharedCryptoKey {
  readonly type: string;
}

// eslint-disable-next-line no-var -- a global must be declared with var to be visible on globalThis
declare var crypto: { readonly subtle: SharedSubtleCrypto };
declare function atob(data: string): string;
declare function btoa(data: string): string;
declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
