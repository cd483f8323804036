import { transferHandlers, type TransferHandler } from 'comlink';
import {
  ErrorCode,
  FerryError,
  deserializeFerryError,
  isFerryError,
  serializeFerryError,
  type SerializedFerryError,
} from '$shared/errors.ts';
import { errorMessage } from './errors.ts';

interface ThrownValue {
  value: unknown;
}

interface SerializedThrow {
  ferry?: SerializedFerryError;
  [key: string]: unknown;
}

let registered = false;

/**
 * Makes errors thrown across the worker boundary keep their Ferry `code` and `details`.
 * Comlink's own "throw" handler copies only `name`, `message` and `stack`; this wraps it so that a
 * {@link FerryError} is rebuilt on the other side and any other error becomes `INTERNAL`.
 * Call it on both sides (client and worker); idempotent.
 */
export function registerFerryErrorTransfer(): void {
  if (registered) return;
  const original = transferHandlers.get('throw') as TransferHandler<ThrownValue, SerializedThrow> | undefined;
  if (!original) throw new FerryError(ErrorCode.INTERNAL, 'comlink: no "throw" transfer handler to wrap');
  const handler: TransferHandler<ThrownValue, SerializedThrow> = {
    canHandle: (value): value is ThrownValue => original.canHandle(value),
    serialize(thrown) {
      const [serialized, transferables] = original.serialize(thrown);
      if (isFerryError(thrown.value))
        return [{ ...serialized, ferry: serializeFerryError(thrown.value) }, transferables];
      return [serialized, transferables];
    },
    deserialize(serialized) {
      if (serialized.ferry) throw deserializeFerryError(serialized.ferry);
      return original.deserialize(serialized);
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
  registered = true;
}

/** Any error as a {@link FerryError}: Ferry errors pass through, others become `code` (INTERNAL by default). */
export function asFerryError(error: unknown, code: ErrorCode = ErrorCode.INTERNAL): FerryError {
  if (isFerryError(error)) return error;
  return new FerryError(code, errorMessage(error), { cause: error });
}
