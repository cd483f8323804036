import { ErrorCode, FerryError, isErrorCode } from '$shared/errors.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import { HttpErrorBody } from '$shared/schemas/registry.ts';
import { verifyManifest, type TrustedKey } from '$shared/signing/verify.ts';

/** What a caller asked for: an exact version, or a channel such as `latest`. */
export interface ModelRequest {
  name: string;
  version?: string;
  channel?: string;
}

/** The version or alias a request resolves through on the server. */
export function requestRef(request: ModelRequest): string {
  return request.version ?? request.channel ?? 'latest';
}

/** `GET /api/v1/models/{name}/versions/{ref}/manifest` on `serverUrl`. */
export function manifestUrl(serverUrl: string, request: ModelRequest): string {
  const ref = encodeURIComponent(requestRef(request));
  return new URL(
    `api/v1/models/${encodeURIComponent(request.name)}/versions/${ref}/manifest`,
    base(serverUrl),
  ).href;
}

/** `GET /api/v1/blobs/{sha256}` on `serverUrl`. */
export function blobUrl(serverUrl: string, sha256: string): string {
  return new URL(`api/v1/blobs/${sha256}`, base(serverUrl)).href;
}

const base = (serverUrl: string) => (serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);

/**
 * Fetches the signed envelope (not yet verified). Throws `NETWORK_ERROR` when the server cannot
 * be reached or fails, and the server's own code (`MODEL_NOT_FOUND`, `BUNDLE_NOT_FOUND`) on 404.
 * `origin`: where the request comes from; a failed cross-origin request then gets a hint about
 * CORS when the server turns out to answer (see {@link unreachableMessage}).
 */
export async function fetchEnvelope(
  fetchFn: typeof fetch,
  url: string,
  options: { origin?: string } = {},
): Promise<unknown> {
  let response: Response;
  try {
    // no-cache: revalidate with the ETag every time (a 304 costs no body).
    response = await fetchFn(url, { cache: 'no-cache' });
  } catch (error) {
    const message = await unreachableMessage(fetchFn, url, options.origin);
    throw new FerryError(ErrorCode.NETWORK_ERROR, message, { cause: error });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) return body;
  const parsed = HttpErrorBody.safeParse(body);
  const error = parsed.success ? parsed.data.error : undefined;
  const code = response.status === 404 && isErrorCode(error?.code) ? error.code : ErrorCode.NETWORK_ERROR;
  const message = error?.message ?? `HTTP ${response.status}`;
  throw new FerryError(code, `manifest: ${message}`, { details: { status: response.status, url } });
}

/**
 * Why a fetch of `url` failed, as far as a page can tell. A browser hides CORS refusals behind the
 * same TypeError as a dead server, so for a cross-origin URL this asks again with
 * `mode: 'no-cors'`: an opaque answer means the server is up and the likely cause is that it does
 * not allow `origin` (FERRY_ALLOWED_ORIGINS). Only a likely cause: it cannot be read directly.
 */
async function unreachableMessage(
  fetchFn: typeof fetch,
  url: string,
  origin: string | undefined,
): Promise<string> {
  const unreachable = `manifest: ${url} unreachable`;
  if (origin === undefined || new URL(url).origin === origin) return unreachable;
  const answers = await fetchFn(url, { mode: 'no-cors', cache: 'no-store' }).then(
    () => true,
    () => false,
  );
  if (!answers) return unreachable;
  return (
    `manifest: ${url} answered, but the browser refused the response to ${origin}: ` +
    `likely blocked by CORS; check that FERRY_ALLOWED_ORIGINS on the server includes ${origin}`
  );
}

/**
 * Verifies `envelope` with the pinned key and checks it is what was asked for: the same model,
 * the exact version if one was requested, and not older metadata than this device already
 * accepted for that version (`METADATA_STALE`, a replay or freeze attack). A yanked manifest
 * passes: the caller remembers it before {@link refuseYanked} refuses to run it.
 */
export async function verifyForRequest(
  envelope: unknown,
  key: TrustedKey,
  options: { request: ModelRequest; seenMetadata?: Readonly<Record<string, number>> },
): Promise<PublishedManifest> {
  const manifest = await verifyManifest(envelope, key);
  const { request } = options;
  const seenMetadataVersion = options.seenMetadata?.[manifest.version];
  const got = `${manifest.name}@${manifest.version}`;
  if (manifest.name !== request.name || (request.version && manifest.version !== request.version)) {
    throw new FerryError(
      ErrorCode.MANIFEST_INVALID,
      `manifest: asked for ${request.name}@${requestRef(request)}, the signed manifest is ${got}`,
    );
  }
  if (seenMetadataVersion !== undefined && manifest.metadataVersion < seenMetadataVersion) {
    throw new FerryError(
      ErrorCode.METADATA_STALE,
      `manifest: ${got} has metadataVersion ${manifest.metadataVersion}, older than ${seenMetadataVersion} already seen`,
      { details: { metadataVersion: manifest.metadataVersion, seen: seenMetadataVersion } },
    );
  }
  return manifest;
}

/** Throws `BUNDLE_NOT_FOUND` for a version its publisher yanked; a deprecated one still runs. */
export function refuseYanked(manifest: PublishedManifest): void {
  if (manifest.status === 'yanked')
    throw yankedError(manifest.name, manifest.version, manifest.metadataVersion);
}

/** The `BUNDLE_NOT_FOUND` of `name@version` yanked, as its manifest (or control document) at `metadataVersion` says. */
export function yankedError(name: string, version: string, metadataVersion: number): FerryError {
  return new FerryError(
    ErrorCode.BUNDLE_NOT_FOUND,
    `manifest: ${name}@${version} was yanked by its publisher`,
    {
      details: { status: 'yanked', metadataVersion },
    },
  );
}
