// Runs in the engine process (the CLI here). Every face of every image under a folder (recursively),
// grouped by person without knowing who (clustering.ts): worker threads decode and analyse the photos,
// this thread groups the faces. Optionally each group of two or more faces becomes a person.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Store } from '../../db/store.ts';
import { FaceKitError, throwIfCancelled, type ErrorInfo } from '../../api/errors.ts';
import { reportUnexpected } from '../runtime/error-log.ts';
import { clusterEmbeddings } from './clustering.ts';
import { decideEnrolment, saveEnrolment, type AnalysedPhoto, type EnrolResult } from './enrolment.ts';
import { cancelOnAbort, WorkerPool } from '../workers/pool.ts';
import type { ClusterTask } from '../workers/cluster-worker.ts';

const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|gif|tiff?|avif|heic)$/i;

/** One face: its photo (relative to the folder) and its index in that photo (0 = leftmost). */
export interface FaceRef {
  file: string;
  index: number;
}

export interface ClusterFolderOptions {
  /** Worker threads (default: one per core). */
  workers?: number;
  /** The clustering cut (default: clustering.ts's). */
  cut?: number;
  onProgress?: (done: number, total: number, file: string) => void;
  signal?: AbortSignal;
}

export interface ClusterFolderReport {
  images: number;
  faces: number;
  workers: number;
  /** Groups of two faces or more, largest first (ties: in file order); faces in file order. */
  groups: FaceRef[][];
  /** Faces that match no other face. */
  alone: FaceRef[];
  /** Images that could not be read, each with why (source: relative to the folder). */
  errors: (ErrorInfo & { source: string })[];
  /** The analysed photo of each file, for enrolGroups. */
  photos: Map<string, AnalysedPhoto>;
}

/** Every image file under `dir`, recursively, relative to it, in name order. */
export function listImages(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error('not a folder');
    entries = fs.readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    throw new FaceKitError('BAD_INPUT', 'not a readable folder', dir);
  }
  const files = entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.test(e.name))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
  if (!files.length) throw new FaceKitError('BAD_INPUT', 'no images in this folder or below it', dir);
  return files;
}

/** A photo's own problem is reported and skipped; a missing model, a cancel or a bug fails the run. */
function isPhotoProblem(error: unknown): boolean {
  return error instanceof FaceKitError && !['CANCELLED', 'MODEL_MISSING', 'STORE_KEY', 'INTERNAL'].includes(error.code);
}

export async function clusterFolder(dir: string, options: ClusterFolderOptions = {}): Promise<ClusterFolderReport> {
  const files = listImages(dir);
  const workers = Math.max(1, Math.min(options.workers ?? os.availableParallelism(), files.length));
  const pool = new WorkerPool<ClusterTask, AnalysedPhoto>(new URL('../workers/cluster-worker.ts', import.meta.url), workers);
  const cancelled = cancelOnAbort(pool, options.signal);
  const errors: ClusterFolderReport['errors'] = [];
  const photos = new Map<string, AnalysedPhoto>();
  let done = 0;
  try {
    const analysed = files.map((file) =>
      pool
        .run({ file: path.join(dir, file) })
        .then(
          (photo) => ({ file, photo }),
          (error: unknown) => ({ file, error }),
        )
        .finally(() => options.onProgress?.(++done, files.length, file)),
    );
    for (const result of await Promise.race([Promise.all(analysed), cancelled])) {
      if ('photo' in result) photos.set(result.file, result.photo);
      else if (isPhotoProblem(result.error)) errors.push({ source: result.file, ...(result.error as FaceKitError).toErrorInfo() });
      else throw reportUnexpected(result.error, { where: 'cluster' });
    }
  } finally {
    await pool.close();
  }
  throwIfCancelled(options.signal);

  const faces: FaceRef[] = [];
  const embeddings: Float32Array[] = [];
  for (const [file, photo] of photos)
    for (const candidate of photo.faces) {
      faces.push({ file, index: candidate.summary.index });
      embeddings.push(candidate.face.embedding);
    }
  const clusters = clusterEmbeddings(embeddings, { cut: options.cut });
  const refs = (group: number[]) => group.map((i) => faces[i] as FaceRef);
  return {
    images: files.length,
    faces: faces.length,
    workers,
    // sort is stable: groups of one size stay in the order of their first face
    groups: clusters
      .filter((g) => g.length > 1)
      .sort((a, b) => b.length - a.length)
      .map(refs),
    alone: clusters.filter((g) => g.length === 1).flatMap(refs),
    errors,
    photos,
  };
}

export interface GroupEnrolment {
  results: EnrolResult[];
  /** Faces refused (too small or blurred, already enrolled as someone else), with why. */
  errors: (ErrorInfo & { source: string })[];
  /** Each group's person, in group order; null when every face of the group was refused. */
  people: (string | null)[];
}

/**
 * Each group becomes a person "PREFIX k" (k: the next numbers not yet taken) with its faces enrolled as
 * any enrolment would be (quality gates, one transaction per face); a refused face is reported.
 */
export function enrolGroups(store: Store, report: ClusterFolderReport, prefix: string): GroupEnrolment {
  const out: GroupEnrolment = { results: [], errors: [], people: [] };
  let k = 1;
  for (const group of report.groups) {
    while (store.getPerson(`${prefix} ${k}`)) k++;
    const name = `${prefix} ${k}`;
    for (const face of group) {
      const photo = report.photos.get(face.file) as AnalysedPhoto;
      try {
        out.results.push(saveEnrolment(store, name, decideEnrolment(photo, { face: face.index })));
      } catch (error) {
        if (!isPhotoProblem(error)) throw error;
        const info = (error as FaceKitError).toErrorInfo();
        out.errors.push({ source: face.file, ...info, message: `face ${face.index} not enrolled as "${name}": ${info.message}` });
      }
    }
    // every face refused: nobody was made, and the number goes to the next group
    out.people.push(store.getPerson(name) ? name : null);
  }
  return out;
}
