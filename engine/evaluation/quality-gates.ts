// Runs in the engine process. What the enrolment quality gates save and what they cost (facekit eval
// quality): on labelled pairs, verification accuracy at the threshold by the sharpness and by the size
// of the worse face of each pair, and how many faces each candidate gate would refuse; then the same on
// copies of one photo of each pair blurred or shrunk, for the low values a real collection rarely holds.
import path from 'node:path';
import { blurImage, decodeImageFile, scaleImage, type RgbImage } from '../image.ts';
import { analyzeFaces, type AnalyzedFace } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { expectDefined, isFaceKitError, throwIfCancelled } from '../../api/errors.ts';
import { euclidean } from '../../db/search/exact.ts';
import type { LabelledPair } from './pairs-file.ts';
import { subjectFace } from './subject.ts';
import { subjectFaces, type EvalProgress } from './verify-pairs.ts';

/** One compared pair: the distance, and the sharpness and size of the worse of its two faces. */
export interface QualitySample {
  same: boolean;
  distance: number;
  blur: number;
  size: number;
}

export interface QualityBucket {
  /** The bucket holds values from `from` up to, not including, `to` (null: no upper bound). */
  from: number;
  to: number | null;
  pairs: number;
  same: number;
  errors: number;
  /** null when the bucket is empty. */
  accuracy: number | null;
  falseRejects: number;
  falseAccepts: number;
}

/** A candidate gate "refuse faces under `gate`": what it refuses, and how the pairs it would remove fared. */
export interface GateRow {
  gate: number;
  /** Faces (one per photo) under the gate. */
  facesRefused: number;
  faces: number;
  /** Pairs whose worse face is under the gate, and their errors at the threshold. */
  pairsRefused: number;
  errorsRefused: number;
  /** Accuracy of the pairs the gate keeps (null when it keeps none). */
  accuracyKept: number | null;
}

export interface QualityTable {
  pairs: number;
  accuracy: number | null;
  byBlur: QualityBucket[];
  bySize: QualityBucket[];
  blurGates: GateRow[];
  sizeGates: GateRow[];
}

export interface QualityEvaluation {
  threshold: number;
  /** The photos as they are. */
  natural: QualityTable & { undetected: number };
  /** One photo of each sampled pair blurred or shrunk (each level once), the other as it is. */
  degraded: (QualityTable & { undetected: number; sampledPairs: number; levels: string[] }) | null;
}

export interface QualityOptions {
  threshold: number;
  /** Gaussian blurs (sigma, pixels) applied to one photo of each sampled pair. */
  blurSigmas?: number[];
  /** Face sizes (pixels across) one photo of each sampled pair is shrunk to. */
  faceSizes?: number[];
  /** How many pairs (spread evenly over the file) get the degraded copies; 0 = none. */
  degradePairs?: number;
  onProgress?: (p: EvalProgress) => void;
  signal?: AbortSignal;
}

export const BLUR_BUCKETS = [0, 5, 10, 12, 15, 20, 30, 50];
export const SIZE_BUCKETS = [0, 16, 24, 32, 40, 48, 64, 80, 100];
export const BLUR_GATES = [0, 5, 8, 10, 12, 15, 20];
export const SIZE_GATES = [0, 16, 20, 24, 32, 40, 48];
export const DEFAULT_BLUR_SIGMAS = [1, 1.5, 2, 3];
export const DEFAULT_FACE_SIZES = [16, 20, 24, 32, 40, 48];

const isError = (s: QualitySample, threshold: number) => s.distance <= threshold !== s.same;

function buckets(samples: QualitySample[], edges: number[], value: (s: QualitySample) => number, threshold: number): QualityBucket[] {
  return edges.map((from, i) => {
    const to = edges[i + 1] ?? null;
    const inside = samples.filter((s) => value(s) >= from && (to === null || value(s) < to));
    const errors = inside.filter((s) => isError(s, threshold)).length;
    return {
      from,
      to,
      pairs: inside.length,
      same: inside.filter((s) => s.same).length,
      errors,
      accuracy: inside.length ? 1 - errors / inside.length : null,
      falseRejects: inside.filter((s) => s.same && s.distance > threshold).length,
      falseAccepts: inside.filter((s) => !s.same && s.distance <= threshold).length,
    };
  });
}

function gates(
  samples: QualitySample[],
  faceValues: number[],
  candidates: number[],
  value: (s: QualitySample) => number,
  threshold: number,
) {
  return candidates.map((gate): GateRow => {
    const refused = samples.filter((s) => value(s) < gate);
    const kept = samples.filter((s) => value(s) >= gate);
    return {
      gate,
      facesRefused: faceValues.filter((v) => v < gate).length,
      faces: faceValues.length,
      pairsRefused: refused.length,
      errorsRefused: refused.filter((s) => isError(s, threshold)).length,
      accuracyKept: kept.length ? kept.filter((s) => !isError(s, threshold)).length / kept.length : null,
    };
  });
}

function table(samples: QualitySample[], faces: AnalyzedFace[], threshold: number): QualityTable {
  const blur = (s: QualitySample) => s.blur;
  const size = (s: QualitySample) => s.size;
  return {
    pairs: samples.length,
    accuracy: samples.length ? samples.filter((s) => !isError(s, threshold)).length / samples.length : null,
    byBlur: buckets(samples, BLUR_BUCKETS, blur, threshold),
    bySize: buckets(samples, SIZE_BUCKETS, size, threshold),
    blurGates: gates(
      samples,
      faces.map((f) => f.quality.blur),
      BLUR_GATES,
      blur,
      threshold,
    ),
    sizeGates: gates(
      samples,
      faces.map((f) => f.quality.faceSize),
      SIZE_GATES,
      size,
      threshold,
    ),
  };
}

function sample(a: AnalyzedFace, b: AnalyzedFace, same: boolean): QualitySample {
  return {
    same,
    distance: euclidean(a.embedding, b.embedding),
    blur: Math.min(a.quality.blur, b.quality.blur),
    size: Math.min(a.quality.faceSize, b.quality.faceSize),
  };
}

/** `count` pairs spread evenly over the list (every k-th), so same and different pairs keep their share. */
function spread<T>(items: T[], count: number): T[] {
  if (count >= items.length) return items;
  return Array.from({ length: count }, (_, i) => expectDefined(items[Math.floor((i * items.length) / count)], 'a sampled pair'));
}

export async function evaluateQualityGates(
  models: FaceModels,
  pairs: LabelledPair[],
  root: string,
  options: QualityOptions,
): Promise<QualityEvaluation> {
  const { threshold, signal } = options;
  const resolve = (file: string) => path.resolve(root, file);
  const files = [...new Set(pairs.flatMap((p) => [resolve(p.a), resolve(p.b)]))];
  const sampled = spread(pairs, options.degradePairs ?? 0);
  const blurSigmas = options.blurSigmas ?? DEFAULT_BLUR_SIGMAS;
  const faceSizes = options.faceSizes ?? DEFAULT_FACE_SIZES;
  const levels = [...blurSigmas.map((sigma) => ({ sigma })), ...faceSizes.map((size) => ({ size }))];
  const total = files.length + sampled.length * levels.length;
  const progress = (done: number, item: string) => options.onProgress?.({ done, total, item });

  const found = await subjectFaces(models, files, (p) => progress(p.done, p.item), signal);
  const faceOf = (file: string) => {
    const face = expectDefined(found.get(resolve(file)), `the face of ${file}`); // subjectFaces answered every file
    return typeof face === 'string' ? undefined : face;
  };
  const faces = [...found.values()].filter((f): f is AnalyzedFace => typeof f !== 'string');
  const natural: QualitySample[] = [];
  let undetected = 0;
  for (const pair of pairs) {
    const a = faceOf(pair.a);
    const b = faceOf(pair.b);
    if (a && b) natural.push(sample(a, b, pair.same));
    else undetected++;
  }

  let degraded: QualityEvaluation['degraded'] = null;
  if (sampled.length && levels.length) {
    const samples: QualitySample[] = [];
    const degradedFaces: AnalyzedFace[] = [];
    let missed = 0;
    let done = files.length;
    for (const pair of sampled) {
      const a = faceOf(pair.a);
      const b = faceOf(pair.b);
      const image = await decodeImageFile(resolve(pair.b)).catch((error: unknown) => {
        if (isFaceKitError(error) && error.code !== 'CANCELLED') return undefined;
        throw error;
      });
      for (const level of levels) {
        throwIfCancelled(signal);
        progress(done++, pair.b);
        if (!a || !b || !image) {
          missed++;
          continue;
        }
        let copy: RgbImage;
        if ('sigma' in level) copy = await blurImage(image, level.sigma);
        else if (level.size < b.quality.faceSize) copy = await scaleImage(image, level.size / b.quality.faceSize);
        else continue; // already smaller than that: nothing to shrink
        const face = subjectFace((await analyzeFaces(models, copy, { signal })).faces, copy);
        if (!face) {
          missed++;
          continue;
        }
        degradedFaces.push(face);
        samples.push(sample(a, face, pair.same));
      }
    }
    progress(total, '');
    degraded = {
      ...table(samples, degradedFaces, threshold),
      undetected: missed,
      sampledPairs: sampled.length,
      levels: levels.map((l) => ('sigma' in l ? `blur σ=${l.sigma}` : `face ${l.size} px`)),
    };
  }
  return { threshold, natural: { ...table(natural, faces, threshold), undetected }, degraded };
}
