// Runs in the engine process. Verification accuracy over labelled pairs (facekit eval pairs).
import path from 'node:path';
import { decodeImageFile } from '../image.ts';
import { analyzeFaces, type AnalyzedFace } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { expectDefined, isFaceKitError, throwIfCancelled } from '../../api/errors.ts';
import { euclidean } from '../../db/search/exact.ts';
import type { LabelledPair } from './pairs-file.ts';
import { subjectFace } from './subject.ts';
import { bestThreshold } from './verification-metrics.ts';

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

export interface PairsEvaluation {
  pairs: number;
  accuracy: number;
  threshold: number;
  correct: number;
  undetected: UndetectedPair[];
  /** Among pairs with both faces found: the threshold that would have been most accurate, and that accuracy. */
  bestThreshold: { threshold: number; accuracy: number } | null;
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

export async function evaluatePairs(
  models: FaceModels,
  pairs: LabelledPair[],
  root: string,
  threshold: number,
  options: { onProgress?: (p: EvalProgress) => void; signal?: AbortSignal } = {},
): Promise<PairsEvaluation> {
  const resolve = (file: string) => path.resolve(root, file);
  const files = [...new Set(pairs.flatMap((p) => [resolve(p.a), resolve(p.b)]))];
  const faces = await subjectFaces(models, files, options.onProgress, options.signal);
  const results: PairOutcome[] = [];
  const undetected: UndetectedPair[] = [];
  for (const pair of pairs) {
    // subjectFaces gave every file of every pair a face or a reason.
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
  const correct = results.filter((r) => r.correct).length;
  const measured = results.filter((r): r is PairOutcome & { distance: number } => r.distance !== null);
  return {
    pairs: pairs.length,
    accuracy: correct / pairs.length,
    threshold,
    correct,
    undetected,
    bestThreshold: bestThreshold(measured),
    results,
  };
}
