// Runs in the engine process. Verification accuracy over labelled pairs (facekit eval pairs): each
// distinct photo's subject face is embedded once — on a pool of worker threads (one per core by
// default), or in this thread given a model registry — and the pairs are scored in file order, so the
// figures do not depend on how many threads embedded them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeImageFile } from '../image.ts';
import { analyzeFaces, type AnalyzedFace } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { expectDefined, FaceKitError, isFaceKitError, throwIfCancelled } from '../../api/errors.ts';
import { euclidean } from '../../db/search/exact.ts';
import type { LabelledPair } from './pairs-file.ts';
import { subjectFace } from './subject.ts';
import { summarizeVerification, type VerificationSummary } from './verification-metrics.ts';
import { cancelOnAbort, WorkerPool } from '../workers/pool.ts';
import type { EvalTask, EvalTaskResult, SubjectFace } from '../workers/eval-worker.ts';

export interface PairOutcome {
  a: string;
  b: string;
  same: boolean;
  /** null when a face was missing in either photo. */
  distance: number | null;
  correct: boolean;
}

export interface UndetectedPair {
  a: string;
  b: string;
  /** The photos in which no face was found, or which could not be read (with why). */
  problems: string[];
}

export interface UndetectedFile {
  /** As the pairs file names it. */
  file: string;
  /** Why no face: "no face found", or why the photo could not be read. */
  reason: string;
}

/**
 * Today's fields, then the figures of verification-metrics.ts over all pairs (an undetected pair is an
 * error at every threshold): bestThreshold, crossValidated (10-fold), tarAtFar, farFrr, roc.
 */
export interface PairsEvaluation extends VerificationSummary {
  pairs: number;
  accuracy: number;
  threshold: number;
  correct: number;
  undetected: UndetectedPair[];
  /** Each distinct photo without a usable face, once, however many pairs it is in. */
  undetectedFiles: UndetectedFile[];
  /** Same-person and different-person pairs. */
  samePairs: number;
  differentPairs: number;
  /** Worker threads that embedded the photos (0: the calling thread). */
  workers: number;
  results: PairOutcome[];
}

export interface EvalProgress {
  done: number;
  total: number;
  item: string;
}

/** The subject face of each distinct photo, found once; a photo without a usable face maps to the reason. */
export async function subjectFaces(
  models: FaceModels,
  files: string[],
  onProgress?: (p: EvalProgress) => void,
  signal?: AbortSignal,
): Promise<Map<string, AnalyzedFace | string>> {
  const found = new Map<string, AnalyzedFace | string>();
  for (const [i, file] of files.entries()) {
    throwIfCancelled(signal);
    onProgress?.({ done: i, total: files.length, item: file });
    try {
      const image = await decodeImageFile(file);
      const face = subjectFace((await analyzeFaces(models, image, { signal })).faces, image);
      found.set(file, face ?? `${file}: no face found`);
    } catch (error) {
      if (!isFaceKitError(error) || error.code === 'CANCELLED') throw error;
      found.set(file, error.message);
    }
  }
  onProgress?.({ done: files.length, total: files.length, item: '' });
  return found;
}

export interface EvalRunOptions {
  /** Worker threads (default: one per core); never more than there are photos. */
  workers?: number;
  onProgress?: (p: EvalProgress) => void;
  signal?: AbortSignal;
}

/**
 * Runs evaluation tasks on a pool of engine threads (engine/workers/eval-worker.ts), answers in task
 * order. Ctrl-C (the signal) stops the threads and fails with CANCELLED.
 */
export async function runEvalTasks(
  tasks: EvalTask[],
  options: EvalRunOptions = {},
): Promise<{ results: EvalTaskResult[]; workers: number }> {
  throwIfCancelled(options.signal);
  if (!tasks.length) return { results: [], workers: 0 };
  const workers = Math.max(1, Math.min(options.workers ?? os.availableParallelism(), tasks.length));
  const pool = new WorkerPool<EvalTask, EvalTaskResult>(new URL('../workers/eval-worker.ts', import.meta.url), workers);
  const cancelled = cancelOnAbort(pool, options.signal);
  let done = 0;
  const total = tasks.length;
  options.onProgress?.({ done, total, item: '' });
  try {
    const all = Promise.all(
      tasks.map((task) => pool.run(task).finally(() => options.onProgress?.({ done: ++done, total, item: task.file }))),
    );
    return { results: await Promise.race([all, cancelled]), workers };
  } finally {
    await pool.close();
  }
}

/** The subject face of each distinct photo, embedded on worker threads; a photo without a usable face maps to the reason. */
export async function subjectFacesInWorkers(
  files: string[],
  options: EvalRunOptions = {},
): Promise<{ faces: Map<string, SubjectFace | string>; workers: number }> {
  const { results, workers } = await runEvalTasks(
    files.map((file) => ({ kind: 'subject', file })),
    options,
  );
  const faces = new Map<string, SubjectFace | string>();
  for (const [i, result] of results.entries()) {
    const file = expectDefined(files[i], `file ${i}`);
    if (result.kind !== 'subject') throw new Error(`a subject task came back as ${result.kind}`);
    faces.set(file, 'face' in result.outcome ? result.outcome.face : result.outcome.reason);
  }
  return { faces, workers };
}

/** Refuses a run whose photos are not all there, before embedding anything: the first missing one is named. */
export function checkImagesExist(files: { file: string; resolved: string; line?: number }[]): void {
  const missing = files.filter((f) => !fs.existsSync(f.resolved));
  const [first] = missing;
  if (!first) return;
  const where = first.line ? ` (line ${first.line} of the pairs file)` : '';
  const more = missing.length > 1 ? `; ${missing.length - 1} more missing` : '';
  throw new FaceKitError('BAD_INPUT', `image not found${where}${more}`, { file: first.resolved, details: { missing: missing.length } });
}

function pairImages(pairs: LabelledPair[], root: string): { file: string; resolved: string; line: number }[] {
  const seen = new Map<string, { file: string; resolved: string; line: number }>();
  for (const pair of pairs)
    for (const file of [pair.a, pair.b]) {
      const resolved = path.resolve(root, file);
      if (!seen.has(resolved)) seen.set(resolved, { file, resolved, line: pair.line });
    }
  return [...seen.values()];
}

/** Scores the pairs from each photo's subject face (or the reason it has none), in pairs-file order. */
export function scorePairs(
  pairs: LabelledPair[],
  root: string,
  threshold: number,
  faces: ReadonlyMap<string, SubjectFace | string>,
  workers: number,
): PairsEvaluation {
  const resolve = (file: string) => path.resolve(root, file);
  const results: PairOutcome[] = [];
  const undetected: UndetectedPair[] = [];
  for (const pair of pairs) {
    // every file of every pair was given a face or a reason.
    const ea = expectDefined(faces.get(resolve(pair.a)), `the face of ${pair.a}`);
    const eb = expectDefined(faces.get(resolve(pair.b)), `the face of ${pair.b}`);
    if (typeof ea === 'string' || typeof eb === 'string') {
      undetected.push({ a: pair.a, b: pair.b, problems: [ea, eb].filter((e): e is string => typeof e === 'string') });
      results.push({ a: pair.a, b: pair.b, same: pair.same, distance: null, correct: false });
      continue;
    }
    const distance = euclidean(ea.embedding, eb.embedding);
    results.push({ a: pair.a, b: pair.b, same: pair.same, distance, correct: distance <= threshold === pair.same });
  }
  const undetectedFiles = pairImages(pairs, root).flatMap(({ file, resolved }) => {
    const face = faces.get(resolved);
    return typeof face === 'string' ? [{ file, reason: face.startsWith(`${resolved}: `) ? face.slice(resolved.length + 2) : face }] : [];
  });
  const correct = results.filter((r) => r.correct).length;
  const samePairs = pairs.filter((p) => p.same).length;
  return {
    pairs: pairs.length,
    accuracy: correct / pairs.length,
    threshold,
    correct,
    undetected,
    undetectedFiles,
    samePairs,
    differentPairs: pairs.length - samePairs,
    workers,
    ...summarizeVerification(results, threshold),
    results,
  };
}

/** Verification over labelled pairs, the photos embedded on worker threads (facekit eval pairs). */
export async function evaluatePairsInWorkers(
  pairs: LabelledPair[],
  root: string,
  threshold: number,
  options: EvalRunOptions = {},
): Promise<PairsEvaluation> {
  const images = pairImages(pairs, root);
  checkImagesExist(images);
  const { faces, workers } = await subjectFacesInWorkers(
    images.map((i) => i.resolved),
    options,
  );
  return scorePairs(pairs, root, threshold, faces, workers);
}

/** The same in the calling thread, with its models (for callers that hold a registry of their own). */
export async function evaluatePairs(
  models: FaceModels,
  pairs: LabelledPair[],
  root: string,
  threshold: number,
  options: { onProgress?: (p: EvalProgress) => void; signal?: AbortSignal } = {},
): Promise<PairsEvaluation> {
  const images = pairImages(pairs, root);
  checkImagesExist(images);
  const faces = await subjectFaces(
    models,
    images.map((i) => i.resolved),
    options.onProgress,
    options.signal,
  );
  return scorePairs(pairs, root, threshold, faces, 0);
}
