// Runs in the engine process. Candidate recognition pipelines side by side on the same labelled pairs
// (bench/accuracy.bench.ts): each photo is decoded, detected and landmarked once, then every candidate
// chip is cut and described; face-api's stock pipeline runs on its own as the reference.
import path from 'node:path';
import { decodeImageFile, type RgbImage } from '../image.ts';
import { analyzeFaces } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { chipFor, type ChipKind } from '../faces/alignment.ts';
import { cutChip } from '../faces/chip.ts';
import { extraViews, meanEmbedding, type Views } from '../faces/augment.ts';
import type { StockPipeline } from '../faces/stock-pipeline.ts';
import { estimateYaw } from '../faces/pose.ts';
import { isFaceKitError, throwIfCancelled } from '../../api/errors.ts';
import { euclidean } from '../../db/search/exact.ts';
import type { LabelledPair } from './pairs-file.ts';
import type { ScoredPair } from './verification-metrics.ts';
import { subjectFace } from './subject.ts';

export type Candidate =
  /** FaceKit's detection and landmarks, then this chip; `enrolViews` averages extra views on the first photo of a pair (the enrolled one). */
  | { name: string; chip: ChipKind; enrolViews?: Views }
  /** face-api's own detectAllFaces().withFaceLandmarks().withFaceDescriptors(). */
  | { name: string; stock: true };

/** A pair as a candidate scored it, with the larger yaw of its two subject faces (FaceKit's landmarks). */
export interface ComparedPair extends ScoredPair {
  yaw: number | null;
}

export interface CandidateResult {
  name: string;
  pairs: ComparedPair[];
  /** Photos in which the candidate found no face (or could not read). */
  undetectedFiles: string[];
  /** Mean milliseconds per photo for a plain embedding (detection and landmarks included). */
  msPerFace: number;
  /** Mean milliseconds per photo for the enrolment embedding, when it has extra views. */
  msPerEnrolment: number | null;
}

interface Embeddings {
  plain: Float32Array;
  enrolled: Float32Array;
}

export interface ComparisonProgress {
  done: number;
  total: number;
  item: string;
}

export async function comparePipelines(
  models: FaceModels,
  stock: StockPipeline | undefined,
  pairs: LabelledPair[],
  root: string,
  candidates: Candidate[],
  options: { onProgress?: (p: ComparisonProgress) => void; signal?: AbortSignal } = {},
): Promise<CandidateResult[]> {
  const resolve = (file: string) => path.resolve(root, file);
  const files = [...new Set(pairs.flatMap((p) => [resolve(p.a), resolve(p.b)]))];
  const found = candidates.map(() => new Map<string, Embeddings>());
  const plainMs = candidates.map(() => 0);
  const enrolMs = candidates.map(() => 0);
  let sharedMs = 0;
  const yawOf = new Map<string, number>();
  for (const [i, file] of files.entries()) {
    throwIfCancelled(options.signal);
    options.onProgress?.({ done: i, total: files.length, item: file });
    let image: RgbImage;
    try {
      image = await decodeImageFile(file);
    } catch (error) {
      if (isFaceKitError(error)) continue; // unreadable: undetected for every candidate
      throw error;
    }
    const analysis = await analyzeFaces(models, image);
    sharedMs += analysis.timings.detect + analysis.timings.landmarks;
    const subject = subjectFace(analysis.faces, image);
    if (subject) yawOf.set(file, Math.abs(estimateYaw(subject.landmarks)));
    for (const [c, candidate] of candidates.entries()) {
      const t0 = performance.now();
      if ('stock' in candidate) {
        const face = stock ? subjectFace(await stock.describeAll(image), image) : undefined;
        plainMs[c] = (plainMs[c] ?? 0) + performance.now() - t0;
        if (face) found[c]?.set(file, { plain: face.embedding, enrolled: face.embedding });
        continue;
      }
      if (!subject) continue;
      const descriptor = models.get('faceDescriptor');
      const spec = chipFor(candidate.chip, subject.landmarks);
      const chip = await cutChip(image, spec);
      const plain = await descriptor.describe(chip);
      const t1 = performance.now();
      plainMs[c] = (plainMs[c] ?? 0) + t1 - t0;
      if (!candidate.enrolViews) {
        found[c]?.set(file, { plain, enrolled: plain });
        continue;
      }
      const extra = await Promise.all((await extraViews(image, spec, chip, candidate.enrolViews)).map((v) => descriptor.describe(v)));
      found[c]?.set(file, { plain, enrolled: meanEmbedding([plain, ...extra]) });
      enrolMs[c] = (enrolMs[c] ?? 0) + performance.now() - t1;
    }
  }
  options.onProgress?.({ done: files.length, total: files.length, item: '' });
  const perPhoto = (ms: number) => ms / Math.max(1, files.length);
  return candidates.map((candidate, c) => {
    const embeddings = found[c] ?? new Map<string, Embeddings>();
    const shared = 'stock' in candidate ? 0 : sharedMs;
    return {
      name: candidate.name,
      pairs: pairs.map((p) => {
        const a = embeddings.get(resolve(p.a));
        const b = embeddings.get(resolve(p.b));
        const yawA = yawOf.get(resolve(p.a));
        const yawB = yawOf.get(resolve(p.b));
        const yaw = yawA === undefined || yawB === undefined ? null : Math.max(yawA, yawB);
        return { same: p.same, distance: a && b ? euclidean(a.enrolled, b.plain) : null, yaw };
      }),
      undetectedFiles: files.filter((f) => !embeddings.has(f)),
      msPerFace: perPhoto(shared + (plainMs[c] ?? 0)),
      msPerEnrolment: 'stock' in candidate || !candidate.enrolViews ? null : perPhoto(shared + (plainMs[c] ?? 0) + (enrolMs[c] ?? 0)),
    };
  });
}
