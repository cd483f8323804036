import { ErrorCode, FerryError } from '$shared/errors.ts';

/** The message of anything thrown: an Error's `message`, else the value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** INVALID_INPUT naming `field`: the message reads `<field>: <message>`, details `{ field }`. */
export function invalidInput(field: string, message: string): FerryError {
  return new FerryError(ErrorCode.INVALID_INPUT, `${field}: ${message}`, { details: { field } });
}
