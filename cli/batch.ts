// Runs in the CLI. What batch commands share: they go on past a bad photo, report each on stderr,
// and let the worst outcome set the exit code.
import type { ErrorCode } from '../api/errors.ts';
import { exitCodeFor, type ExitCode } from './exit-codes.ts';

/** One refused photo as the CLI reports it (and lists it in --json): the message has the CLI's hint. */
export interface ItemError {
  source: string;
  code: ErrorCode;
  message: string;
}

/** Each refused photo gets its one line on stderr (also in --json mode, where the object lists them too). */
export function reportItemErrors(errors: ItemError[]): void {
  for (const error of errors) process.stderr.write(`facekit: ${error.message}\n`);
}

/** Batch commands go on past a bad image and report it; the worst outcome sets the exit code. */
export function worstExit(errors: ItemError[], otherwise: ExitCode): ExitCode {
  const codes = errors.map((e) => exitCodeFor(e.code));
  return codes.length ? (Math.max(...codes) as ExitCode) : otherwise;
}
