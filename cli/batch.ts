// Runs in the CLI. What batch commands share: they go on past a bad photo, report each on stderr,
// and let the worst outcome set the exit code.
import { isFaceKitError, type ErrorCode } from '../api/errors.ts';
import { reportUnexpected } from '../engine/runtime/error-log.ts';
import { cliMessage } from './hints.ts';
import type { CliContext } from './context.ts';
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

function itemError(source: string, error: unknown): ItemError {
  if (!isFaceKitError(error)) throw error;
  const shown = reportUnexpected(error, { where: 'facekit (one photo of a batch)' }); // an INTERNAL one is logged
  return { source, code: shown.code, message: cliMessage(shown) };
}

/** Runs `each` over the photos with a progress bar, collecting results and per-photo errors. */
export async function forEachPhoto<T>(
  ctx: CliContext,
  label: string,
  files: string[],
  each: (file: string) => Promise<T>,
): Promise<{ results: T[]; errors: ItemError[] }> {
  const results: T[] = [];
  const errors: ItemError[] = [];
  const progress = ctx.progress(label, files.length);
  for (const [i, file] of files.entries()) {
    progress.update(i, file);
    try {
      results.push(await each(file));
    } catch (error) {
      errors.push(itemError(file, error));
    }
  }
  progress.update(files.length);
  progress.finish();
  reportItemErrors(errors);
  return { results, errors };
}
