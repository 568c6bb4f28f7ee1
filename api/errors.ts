// Runs anywhere (engine, store, CLI). Errors that cross a boundary carry a code and a human message.
import type { ErrorInfo } from './definition.ts';

export type ErrorCode =
  | 'BAD_INPUT' // unreadable, empty, corrupt or oversized input file, or a bad argument value
  | 'NOT_FOUND' // a person, file or record that does not exist
  | 'NO_FACE' // no face in an image where one is needed
  | 'MULTIPLE_FACES' // several faces where one person is being enrolled
  | 'LOW_QUALITY' // a face too small or too blurred to be reliable
  | 'CONFLICT' // e.g. a name already taken, a photo enrolled as someone else
  | 'MODEL_MISSING' // model weights are not installed
  | 'STORE_VERSION' // the database was written by a newer FaceKit
  | 'STORE_KEY' // the store is encrypted and its key is missing or wrong
  | 'CANCELLED'
  | 'INTERNAL';

export class FaceKitError extends Error {
  readonly code: ErrorCode;
  /** The file the error is about, when there is one. */
  readonly file?: string;

  constructor(code: ErrorCode, message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'FaceKitError';
    this.code = code;
    this.file = file;
  }
}

export function isFaceKitError(error: unknown, code?: ErrorCode): error is FaceKitError {
  return error instanceof FaceKitError && (code === undefined || error.code === code);
}

/** Throws a CANCELLED error when the signal has fired; long loops call this between steps. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FaceKitError('CANCELLED', 'cancelled');
}

/** Any thrown value → the api's ErrorInfo ({ code, message, file }): what crosses threads and transports. */
export function errorInfo(error: unknown): ErrorInfo {
  if (isFaceKitError(error)) return { code: error.code, message: error.message, ...(error.file ? { file: error.file } : {}) };
  // Errors that already crossed a thread (EngineCallError, WorkerTaskError) or were made with a code by our own checks.
  const coded = error as { code?: unknown; message?: unknown; file?: unknown };
  if (coded && typeof coded.code === 'string' && typeof coded.message === 'string' && /^[A-Z_]+$/.test(coded.code)) {
    return { code: coded.code, message: coded.message, ...(typeof coded.file === 'string' ? { file: coded.file } : {}) };
  }
  return { code: 'INTERNAL', message: `internal error: ${error instanceof Error ? error.message : String(error)}` };
}
