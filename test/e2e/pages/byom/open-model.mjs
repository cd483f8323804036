import { createFerryClient } from '@ferry/client';

/** Starts loading `name` from your Ferry server, verified against its pinned public key. */
export function openModel({ serverUrl, publicKey, name, onProgress }) {
  const client = createFerryClient({ serverUrl, publicKey });
  const model = client.model(name);
  model.on('progress', (p) => onProgress?.(p)); // p.fileLoaded of p.fileTotal, p.fraction overall
  return model;
}
