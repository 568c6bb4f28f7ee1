// Runs in the engine host and its workers. Any thrown value → the api's ErrorInfo ({ code, message,
// file }), the shape every transport carries and every UI shows.
import { isFaceKitError } from '../engine/errors.ts';
import type { ErrorInfo } from '../api/definition.ts';

export function errorInfo(error: unknown): ErrorInfo {
  if (isFaceKitError(error)) return { code: error.code, message: error.message, ...(error.file ? { file: error.file } : {}) };
  // Errors that already crossed a thread (EngineCallError) or were made with a code by our own checks.
  const coded = error as { code?: unknown; message?: unknown; file?: unknown };
  if (coded && typeof coded.code === 'string' && typeof coded.message === 'string' && /^[A-Z_]+$/.test(coded.code)) {
    return { code: coded.code, message: coded.message, ...(typeof coded.file === 'string' ? { file: coded.file } : {}) };
  }
  return { code: 'INTERNAL', message: `internal error: ${error instanceof Error ? error.message : String(error)}` };
}
