// Runs everywhere (engine threads, store, CLI, shells, renderer): the ONE error type of FaceKit. Every
// failure that crosses a boundary is a FaceKitError with a stable code, a message for the user and
// optional structured details; over a thread or a transport it travels as ErrorInfo and is rebuilt as
// the same class on the other side. No Node imports: the renderer bundles this file.

export const ERROR_CODES = [
  'BAD_INPUT', // unreadable, empty, corrupt or oversized input file, or a bad argument value
  'NOT_FOUND', // a person, file or record that does not exist
  'NO_FACE', // no face in an image where one is needed
  'MULTIPLE_FACES', // several faces where one person is being enrolled, and none clearly theirs
  'NOT_SAME_PERSON', // the face taken from a photo of several does not match the person's other photos
  'LOW_QUALITY', // a face too small or too blurred to be reliable
  'CONFLICT', // e.g. a name already taken, a photo enrolled as someone else
  'MODEL_MISSING', // model weights are not installed
  'STORE_VERSION', // the database was written by a newer FaceKit
  'STORE_KEY', // the store is encrypted and its key is missing or wrong
  'CANCELLED',
  'FORBIDDEN', // a caller that may not use the engine (a foreign page in the Electron window)
  'DISCONNECTED', // the UI lost (or never got) its connection to the engine
  'INTERNAL', // a bug or a broken environment; logged with its stack (engine/runtime/error-log.ts)
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Structured, JSON-safe facts about an error (the face list, the model id…), for callers that word their own text. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type ErrorDetails = { [key: string]: JsonValue };

/** A FaceKitError as it crosses threads and transports (structured clone, JSON, contextBridge). */
export interface ErrorInfo {
  code: ErrorCode;
  /** The whole message, starting with "<file>: " when a file is named. */
  message: string;
  file?: string;
  details?: ErrorDetails;
}

export interface FaceKitErrorOptions {
  /** The file the error is about; the message is then prefixed with it. */
  file?: string;
  details?: ErrorDetails;
  /** The value that caused it (kept for the log, never sent over a transport). */
  cause?: unknown;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FaceKitError extends Error {
  readonly code: ErrorCode;
  /** The file the error is about, when there is one. */
  readonly file?: string;
  readonly details?: ErrorDetails;

  /** `options` may be just the file name (the common case). */
  constructor(code: ErrorCode, message: string, options?: string | FaceKitErrorOptions) {
    const { file, details, cause } = typeof options === 'string' ? { file: options } : (options ?? {});
    super(file ? `${file}: ${message}` : message, cause === undefined ? undefined : { cause });
    this.name = 'FaceKitError';
    this.code = code;
    this.file = file;
    this.details = details;
  }

  /** What crosses a thread or a transport. */
  toErrorInfo(): ErrorInfo {
    return {
      code: this.code,
      message: this.message,
      ...(this.file ? { file: this.file } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }

  /**
   * Rebuilds an error from what crossed a boundary. The value is not trusted: an unknown code
   * becomes INTERNAL, and anything that is not ErrorInfo-shaped becomes an INTERNAL error about it.
   */
  static fromErrorInfo(info: unknown): FaceKitError {
    if (info instanceof FaceKitError) return info;
    if (info instanceof Error || !isPlainObject(info) || typeof info.message !== 'string') return FaceKitError.from(info);
    const error = new FaceKitError(isErrorCode(info.code) ? info.code : 'INTERNAL', info.message, {
      details: isPlainObject(info.details) ? (info.details as ErrorDetails) : undefined,
    });
    // The message already starts with the file; set it without prefixing a second time.
    if (typeof info.file === 'string' && info.file) (error as { file?: string }).file = info.file;
    return error;
  }

  /** Any thrown value as a FaceKitError: ours as they are, anything else INTERNAL with it as the cause. */
  static from(error: unknown): FaceKitError {
    if (error instanceof FaceKitError) return error;
    const text = error instanceof Error ? error.message : String(error);
    return new FaceKitError('INTERNAL', `internal error: ${text}`, { cause: error });
  }
}

export function isFaceKitError(error: unknown, code?: ErrorCode): error is FaceKitError {
  return error instanceof FaceKitError && (code === undefined || error.code === code);
}

/** Any thrown value → ErrorInfo (see FaceKitError.from). */
export function toErrorInfo(error: unknown): ErrorInfo {
  return FaceKitError.from(error).toErrorInfo();
}

/** Same as FaceKitError.fromErrorInfo, for symmetry with toErrorInfo. */
export function fromErrorInfo(info: unknown): FaceKitError {
  return FaceKitError.fromErrorInfo(info);
}

/** Throws a CANCELLED error when the signal has fired; long loops call this between steps. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FaceKitError('CANCELLED', 'cancelled');
}

/**
 * The value, or an INTERNAL error naming what was missing. For lookups that only a bug can break (an
 * index past a list the code itself built, a key it just inserted): the message says which one.
 */
export function expectDefined<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new FaceKitError('INTERNAL', `${what} is missing`);
  return value;
}
