// Runs in the engine process (the CLI here). Enrols a folder of photos, one subfolder per person,
// with every core: worker threads decode and analyse every photo, this thread alone decides and
// writes. A person's photos are decided together, once all of them are analysed: a face picked from
// a photo of several must match the person's other faces (their single-face photos here, their faces
// already stored). Writes are one transaction per photo, so an interrupted run leaves whole
// enrolments only, and a re-run finishes it.
import os from 'node:os';
import type { Store } from '../../db/store.ts';
import { throwIfCancelled, type ErrorCode, type ErrorInfo } from '../../api/errors.ts';
import { skipReasonFor, summarizeOutcomes, type EnrolmentOutcome, type EnrolSummary } from '../../api/enrol-outcomes.ts';
import { reportUnexpected } from '../runtime/error-log.ts';
import {
  decideEnrolment,
  saveEnrolment,
  storedEvidence,
  type AnalysedPhoto,
  type EnrolResult,
  type IdentityEvidence,
} from './enrolment.ts';
import { readPersonFolders } from '../evaluation/identify-folders.ts';
import { cancelOnAbort, WorkerPool } from '../workers/pool.ts';
import type { EnrolTask } from '../workers/enrol-worker.ts';

export interface EnrolFolderOptions {
  /** Worker threads (default: one per core). */
  workers?: number;
  allowLowQuality?: boolean;
  onProgress?: (done: number, total: number, file: string) => void;
  signal?: AbortSignal;
}

/** What became of one photo. */
export interface PhotoOutcome {
  person: string;
  file: string;
  outcome: EnrolmentOutcome;
  /** Why it was skipped (the error's message); for an enrolled one, how its face was picked among several and any quality warning; '' when nothing. */
  message: string;
  /** The refusal's error code, for a skipped photo. */
  code?: ErrorCode;
}

export interface EnrolFolderReport {
  people: number;
  photos: number;
  workers: number;
  results: EnrolResult[];
  errors: (ErrorInfo & { source: string })[];
  /** Every photo, person by person in folder order, files in name order. */
  outcomes: PhotoOutcome[];
  summary: EnrolSummary;
}

export function defaultWorkerCount(): number {
  return os.availableParallelism();
}

/** How a face was picked among several, for the per-photo message (the report's last column). */
function chosenNote(result: EnrolResult): string[] {
  if (result.chosen === 'dominant') return [`the dominant face of ${result.faceCount}`];
  if (result.chosen === 'matched') return [`of ${result.faceCount} faces, the one like the person's other photos`];
  return [];
}

type Analysis = { file: string; photo: AnalysedPhoto } | { file: string; error: unknown };

/** The person's other faces: stored ones, and the faces of their single-face photos in this run that pass the gates. */
function evidenceFor(store: Store, person: string, analyses: Analysis[], allowLowQuality: boolean): IdentityEvidence {
  const photos = analyses.flatMap((a) => ('photo' in a ? [a.photo] : []));
  const [first] = photos;
  if (!first) return { embeddings: [], threshold: 0 };
  const stored = storedEvidence(store, person, first.modelId);
  const single = photos.flatMap((p) => {
    const [only, second] = p.faces;
    return only && !second && (allowLowQuality || !only.problems.length) ? [only.face.embedding] : [];
  });
  return { embeddings: [...stored.embeddings, ...single], threshold: stored.threshold };
}

export async function enrolFolder(store: Store, root: string, options: EnrolFolderOptions = {}): Promise<EnrolFolderReport> {
  const folders = readPersonFolders(root);
  const photos = folders.reduce((n, person) => n + person.images.length, 0);
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(), photos));
  const pool = new WorkerPool<EnrolTask, AnalysedPhoto>(new URL('../workers/enrol-worker.ts', import.meta.url), workers);
  const report: EnrolFolderReport = {
    people: folders.length,
    photos,
    workers,
    results: [],
    errors: [],
    outcomes: [],
    summary: summarizeOutcomes([]),
  };
  const allowLowQuality = Boolean(options.allowLowQuality);
  let analysed = 0;
  // Ctrl-C: stop the threads and stop waiting for them; what was saved stays (whole photos only).
  const cancelled = cancelOnAbort(pool, options.signal);

  const refuse = (person: string, file: string, error: unknown) => {
    // A crashed worker thread or a bug is logged; the photo is reported like any refused one.
    const info = reportUnexpected(error, { where: 'enrol-folder' }).toErrorInfo();
    report.errors.push({ source: file, ...info });
    report.outcomes.push({ person, file, outcome: skipReasonFor(info.code), message: info.message, code: info.code });
  };

  try {
    // Every photo is queued now (the pool works through them in order, each thread busy); each person
    // is decided and written as soon as all of their photos are analysed.
    const queued = folders.map((person) =>
      person.images.map((file) =>
        pool
          .run({ file })
          .then(
            (photo): Analysis => ({ file, photo }),
            (error: unknown): Analysis => ({ file, error }),
          )
          .finally(() => options.onProgress?.(++analysed, photos, file)),
      ),
    );
    for (const [i, person] of folders.entries()) {
      const analyses = await Promise.race([Promise.all(queued[i] ?? []), cancelled]);
      throwIfCancelled(options.signal);
      const evidence = evidenceFor(store, person.name, analyses, allowLowQuality);
      for (const analysis of analyses) {
        if ('error' in analysis) {
          refuse(person.name, analysis.file, analysis.error);
          continue;
        }
        try {
          const result = saveEnrolment(store, person.name, decideEnrolment(analysis.photo, { allowLowQuality, evidence }));
          report.results.push(result);
          report.outcomes.push({
            person: person.name,
            file: analysis.file,
            outcome: result.status,
            message: [...chosenNote(result), ...result.warnings].join('; '),
          });
        } catch (error) {
          refuse(person.name, analysis.file, error);
        }
      }
    }
  } finally {
    await pool.close();
  }
  throwIfCancelled(options.signal);
  report.summary = summarizeOutcomes(report.outcomes.map((o) => o.outcome));
  return report;
}
