// Runs in the engine process (the CLI here). Enrols a folder of photos, one subfolder per person,
// with every core: worker threads decode and embed, this thread alone writes to the store — one
// transaction per photo, so an interrupted run leaves whole enrolments only and a re-run finishes it.
import os from 'node:os';
import type { Store } from '../../db/store.ts';
import { throwIfCancelled, type ErrorInfo } from '../../api/errors.ts';
import { reportUnexpected } from '../runtime/error-log.ts';
import { saveEnrolment, type EnrolResult, type PreparedEnrolment } from './enrolment.ts';
import { readPersonFolders } from '../evaluation/identify-folders.ts';
import { WorkerPool } from '../workers/pool.ts';
import type { EnrolTask } from '../workers/enrol-worker.ts';

export interface EnrolFolderOptions {
  /** Worker threads (default: one per core). */
  workers?: number;
  allowLowQuality?: boolean;
  onProgress?: (done: number, total: number, file: string) => void;
  signal?: AbortSignal;
}

export interface EnrolFolderReport {
  people: number;
  photos: number;
  workers: number;
  results: EnrolResult[];
  errors: (ErrorInfo & { source: string })[];
}

export function defaultWorkerCount(): number {
  return os.availableParallelism();
}

export async function enrolFolder(store: Store, root: string, options: EnrolFolderOptions = {}): Promise<EnrolFolderReport> {
  const folders = readPersonFolders(root);
  const tasks = folders.flatMap((person) => person.images.map((file) => ({ person: person.name, file })));
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(), tasks.length));
  const pool = new WorkerPool<EnrolTask, PreparedEnrolment>(new URL('../workers/enrol-worker.ts', import.meta.url), workers);
  const report: EnrolFolderReport = { people: folders.length, photos: tasks.length, workers, results: [], errors: [] };
  let done = 0;
  // Ctrl-C: stop the threads; what was saved stays (whole photos only), a re-run does the rest.
  const stop = () => void pool.close();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    await Promise.all(
      tasks.map(async ({ person, file }) => {
        try {
          const prepared = await pool.run({ file, options: { allowLowQuality: options.allowLowQuality } });
          throwIfCancelled(options.signal);
          report.results.push(saveEnrolment(store, person, prepared));
        } catch (error) {
          if (options.signal?.aborted) return;
          // A crashed worker thread or a bug is logged; the photo is reported like any refused one.
          report.errors.push({ source: file, ...reportUnexpected(error, { where: 'enrol-folder' }).toErrorInfo() });
        } finally {
          options.onProgress?.(++done, tasks.length, file);
        }
      }),
    );
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await pool.close();
  }
  throwIfCancelled(options.signal);
  return report;
}
