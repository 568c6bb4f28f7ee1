// Runs in Node (CLI, engine host threads, pool workers, Electron main). The one place an unexpected
// error is handled: its stack goes to <dataDir>/logs/facekit.log (appended; the file is rotated to
// facekit.log.1 past a size cap) and the user gets an INTERNAL error whose message names that file.
// Expected errors (a FaceKitError with any other code) pass through untouched.
import fs from 'node:fs';
import path from 'node:path';
import { FaceKitError, type ErrorDetails } from '../../api/errors.ts';
import { dataDir as defaultDataDir } from './paths.ts';

/** Past this size the log is moved to facekit.log.1 (replacing the older one) before the next entry. */
export const MAX_LOG_BYTES = 1024 * 1024;

export interface ErrorLogOptions {
  /** The data folder whose logs/ gets the entry (default: dataDir(), i.e. FACEKIT_DATA_DIR or the platform folder). */
  dataDir?: string;
  /** Where it happened, for the log entry only ("facekit enroll", "faces worker: people.add"). */
  where?: string;
}

export function errorLogPath(dataDir: string = defaultDataDir()): string {
  return path.join(dataDir, 'logs', 'facekit.log');
}

/** One thrown value: its stack when it is an Error. */
function describeOne(value: unknown): string {
  return value instanceof Error ? (value.stack ?? `${value.name}: ${value.message}`) : String(value);
}

/** The stack, then each cause's stack (a FaceKitError made from a crash keeps the crash as its cause). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const text = describeOne(e);
    parts.push(depth === 0 ? text : `caused by: ${text}`);
    if (!(e instanceof Error)) break;
  }
  return parts.join('\n');
}

function append(file: string, entry: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    if (fs.statSync(file).size > MAX_LOG_BYTES) fs.renameSync(file, `${file}.1`);
  } catch {
    // no log yet
  }
  fs.appendFileSync(file, entry, { mode: 0o600 }); // stacks name local paths: readable by this user only
}

/**
 * Any thrown value → the FaceKitError to show. An unexpected one (not a FaceKitError, or INTERNAL) is
 * written with its stack to the log; the returned INTERNAL error names the log in its message and in
 * details.log. One that was logged already (it crossed from another thread: details.log is set) is not logged again.
 */
export function reportUnexpected(error: unknown, options: ErrorLogOptions = {}): FaceKitError {
  if (error instanceof FaceKitError && (error.code !== 'INTERNAL' || (error.details !== undefined && 'log' in error.details))) return error;
  const shown = FaceKitError.from(error);
  const file = errorLogPath(options.dataDir);
  const entry = `${new Date().toISOString()} pid ${process.pid}${options.where ? ` ${options.where}` : ''}\n${describe(error)}\n\n`;
  let note: string;
  // details.log: the log file, or null when it could not be written (so no later thread tries again).
  let details: ErrorDetails = { ...shown.details, log: null };
  try {
    append(file, entry);
    note = `details in ${file}`;
    details = { ...shown.details, log: file };
  } catch (writeError) {
    // The log itself failed (read-only disk, no permission): say so, and keep FACEKIT_DEBUG as the way to see the stack.
    if (process.env.FACEKIT_DEBUG) console.error(error);
    note = `could not write the error log ${file}: ${writeError instanceof Error ? writeError.message : String(writeError)}; set FACEKIT_DEBUG=1 to print details`;
  }
  // The constructor prefixes the file again, so give it the message without it.
  const message = shown.file && shown.message.startsWith(`${shown.file}: `) ? shown.message.slice(shown.file.length + 2) : shown.message;
  return new FaceKitError('INTERNAL', `${message} (${note})`, { file: shown.file, details, cause: error });
}
