import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
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
  return new CliError(`cannot reach ${server} (${cause})`, ExitCode.UNREACHABLE);
}

/** A typed tRPC client of a Ferry server. */
export type FerryClient = ReturnType<typeof trpcClient>;

/** Turns what a tRPC call threw into a {@link CliError} with the server's message and the right exit code. */
function toCliError(error: unknown, server: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof TRPCClientError) {
    const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
    if (status === undefined) return unreachable(server, error);
    return new CliError(error.message, exitCodeForStatus(status));
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

async function failure(response: Response): Promise<CliError> {
  const text = await response.text();
  let message = `${response.status} ${response.statusText}`;
  try {
    message = (JSON.parse(text) as { error: { message: string } }).error.message;
  } catch {
    if (text) message = `${message}: ${text.slice(0, 200)}`;
  }
  return new CliError(message, exitCodeForStatus(response.status));
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
