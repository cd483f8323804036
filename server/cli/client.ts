import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { isErrorCode, type ErrorCode, type ErrorDetails } from '$shared';
import type { AppRouter } from '../routers/index.ts';
import { CliError, ExitCode, exitCodeForStatus } from './exit-codes.ts';

/** Where the CLI talks to and as whom. */
export interface Connection {
  /** The server's base URL, without a trailing slash. */
  server: string;
  token: string;
}

function trpcClient(connection: Connection) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${connection.server}/api/trpc`,
        headers: () => ({ authorization: `Bearer ${connection.token}` }),
      }),
    ],
  });
}

function unreachable(server: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
  return new CliError(`cannot reach ${server} (${cause})`, ExitCode.UNREACHABLE, { details: { server } });
}

/** A typed tRPC client of a Ferry server. */
export type FerryClient = ReturnType<typeof trpcClient>;

/** Turns what a tRPC call threw into a {@link CliError} with the server's message and the right exit code. */
function toCliError(error: unknown, server: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof TRPCClientError) {
    const data = error.data as { httpStatus?: number; ferryCode?: string | null } | undefined;
    if (data?.httpStatus === undefined) return unreachable(server, error);
    const code = isErrorCode(data.ferryCode) ? data.ferryCode : null;
    return new CliError(error.message, exitCodeForStatus(data.httpStatus), { code });
  }
  return new CliError((error as Error).message ?? String(error), ExitCode.FAILURE);
}

/**
 * Makes one tRPC call to the server; whatever it throws becomes a {@link CliError} with the
 * server's message and the exit code its status maps to.
 */
export async function callServer<T>(
  connection: Connection,
  call: (client: FerryClient) => Promise<T>,
): Promise<T> {
  try {
    return await call(trpcClient(connection));
  } catch (error) {
    throw toCliError(error, connection.server);
  }
}

/** A REST error answer (`{ error: { code, message, details? } }`, docs/http-api.md) as a CliError. */
async function failure(response: Response): Promise<CliError> {
  const text = await response.text();
  let message = `${response.status} ${response.statusText}`;
  let code: ErrorCode | null = null;
  let details: ErrorDetails | null = null;
  try {
    const body = (JSON.parse(text) as { error: { message: string; code?: unknown; details?: ErrorDetails } })
      .error;
    message = body.message;
    code = isErrorCode(body.code) ? body.code : null;
    details = body.details ?? null;
  } catch {
    if (text) message = `${message}: ${text.slice(0, 200)}`;
  }
  return new CliError(message, exitCodeForStatus(response.status), { code, details });
}

/**
 * Uploads a file as the blob `sha256` unless the server already has it. Returns whether bytes
 * were sent.
 */
export async function uploadFile(
  connection: Connection,
  file: { path: string; sha256: string; size: number },
) {
  const url = `${connection.server}/api/v1/uploads/${file.sha256}`;
  const authorization = `Bearer ${connection.token}`;
  const head = await fetch(url, { method: 'HEAD', headers: { authorization } }).catch((error: unknown) => {
    throw unreachable(connection.server, error);
  });
  if (head.ok) return false;
  if (head.status !== 404) throw await failure(head);
  const response = await fetch(url, {
    method: 'PUT',
    headers: {
      authorization,
      'content-type': 'application/octet-stream',
      'content-length': String(file.size),
    },
    body: Readable.toWeb(createReadStream(file.path)) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit).catch((error: unknown) => {
    throw unreachable(connection.server, error);
  });
  if (!response.ok) throw await failure(response);
  return true;
}
