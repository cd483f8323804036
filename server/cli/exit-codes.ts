import { ErrorCode, type ErrorDetails } from '$shared';

/**
 * Exit codes of the `ferry` CLI (documented in `ferry --help` and docs/http-api.md). Scripts may
 * branch on them; they never change meaning.
 */
export const ExitCode = {
  OK: 0,
  /** Unexpected failure (a bug, or the server answered 5xx). */
  FAILURE: 1,
  /** Bad command line: unknown option, missing argument, missing --server or --token. */
  USAGE: 2,
  /** The bundle or input is invalid (local validation or a 400 from the server). */
  INVALID: 3,
  /** The token is missing, unknown or revoked (401) or lacks the scope (403). */
  AUTH: 4,
  /** The version is already published (409). */
  CONFLICT: 5,
  /** The model, version or token does not exist (404). */
  NOT_FOUND: 6,
  /** The server could not be reached. */
  UNREACHABLE: 7,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for an HTTP status the server answered with. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.AUTH;
  if (status === 409) return ExitCode.CONFLICT;
  if (status === 404) return ExitCode.NOT_FOUND;
  if (status >= 400 && status < 500) return ExitCode.INVALID;
  return ExitCode.FAILURE;
}

// The Ferry code a failure gets when nothing more precise is known (`--json` prints it).
const DEFAULT_CODES: Record<ExitCode, ErrorCode> = {
  [ExitCode.OK]: ErrorCode.INTERNAL,
  [ExitCode.FAILURE]: ErrorCode.INTERNAL,
  [ExitCode.USAGE]: ErrorCode.INVALID_INPUT,
  [ExitCode.INVALID]: ErrorCode.INVALID_INPUT,
  [ExitCode.AUTH]: ErrorCode.UNAUTHENTICATED,
  [ExitCode.CONFLICT]: ErrorCode.VERSION_EXISTS,
  [ExitCode.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [ExitCode.UNREACHABLE]: ErrorCode.NETWORK_ERROR,
};

/**
 * An error that ends the CLI with a message, a specific exit code and a Ferry error code (the
 * server's own when it answered with one), which `--json` prints as `{ "error": { code, … } }`.
 */
export class CliError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options: { code?: ErrorCode | null; details?: ErrorDetails | null } = {},
  ) {
    super(message);
    this.code = options.code ?? DEFAULT_CODES[exitCode];
    this.details = options.details ?? undefined;
  }

  /** The `--json` form of this error. */
  toJSON(): { error: { code: ErrorCode; message: string; details?: ErrorDetails } } {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

/** Help text listing the exit codes, appended to `ferry --help`. */
export const exitCodeHelp = `
Exit codes:
  0  success
  1  unexpected failure (or a server error)
  2  usage error (bad option, missing --server/--token)
  3  invalid bundle or input (names the field or file)
  4  authentication or permission refused (401/403)
  5  version already published (409)
  6  not found (404)
  7  server unreachable

Environment:
  FERRY_SERVER  default for --server
  FERRY_TOKEN   default for --token`;
