import { ErrorCode, FerryError } from '$shared/errors.ts';

/** The message of anything thrown: an Error's `message`, else the value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** INVALID_INPUT naming `field`: the message reads `<field>: <message>`, details `{ field }`. */
export function invalidInput(field: string, message: string): FerryError {
  return new FerryError(ErrorCode.INVALID_INPUT, `${field}: ${message}`, { details: { field } });
}

/**
 * {@link invalidInput} for the first issue of a failed zod parse, its path read under `under`
 * (`['telemetry']` names `telemetry.flushRuns`), or `fallback` where that leaves no path.
 */
export function invalidInputOf(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  under: readonly string[] = [],
  fallback = 'config',
): FerryError {
  const issue = issues[0];
  const field = [...under, ...(issue?.path ?? [])].map(String).join('.') || fallback;
  return invalidInput(field, issue?.message ?? 'invalid');
}
