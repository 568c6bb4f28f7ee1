// Runs in the engine process. Identification accuracy over a folder per person (facekit eval identify):
// the first K photos of each person are enrolled into a fresh temporary store, the rest are identified;
// held-out people are never enrolled and must come back unknown.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../db/store.ts';
import { decodeImageFile } from '../image.ts';
import { analyzeFaces } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { enrol } from '../recognition/enrolment.ts';
import { expectDefined, FaceKitError, isFaceKitError, throwIfCancelled } from '../../api/errors.ts';
import { nearestPeople } from '../../db/search/exact.ts';
import { subjectFace } from './subject.ts';
import type { EvalProgress } from './verify-pairs.ts';

const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|gif|tiff?|avif|heic)$/i;

export interface IdentifyQuery {
  file: string;
  person: string;
  heldOut: boolean;
  /** The answer: a name, 'unknown', or null when no face was found (or the photo was unreadable). */
  answer: string | null;
  distance: number | null;
  correct: boolean;
}

export interface IdentifyEvaluation {
  people: number;
  heldOut: string[];
  enrolled: number;
  /** Enrolment photos that were refused (no face, several faces, low quality, unreadable). */
  enrolFailures: { file: string; reason: string }[];
  queries: number;
  top1: number;
  undetected: string[];
  falseAccepts: { file: string; person: string; answer: string; distance: number }[];
  threshold: number;
  results: IdentifyQuery[];
}

interface PersonFolder {
  name: string;
  images: string[];
}

export function readPersonFolders(root: string): PersonFolder[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    throw new FaceKitError('BAD_INPUT', 'not a readable folder', root);
  }
  const people = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => ({
      name,
      images: fs
        .readdirSync(path.join(root, name))
        .filter((f) => IMAGE_EXTENSIONS.test(f))
        .sort()
        .map((f) => path.join(root, name, f)),
    }))
    .filter((p) => p.images.length > 0);
  if (!people.length) throw new FaceKitError('BAD_INPUT', 'no person folders with images (expected ROOT/<person>/<photo>)', root);
  return people;
}

export async function evaluateIdentification(
  models: FaceModels,
  root: string,
  options: { enrolCount: number; holdout?: number; threshold: number; onProgress?: (p: EvalProgress) => void; signal?: AbortSignal },
): Promise<IdentifyEvaluation> {
  const folders = readPersonFolders(root);
  const holdout = options.holdout ?? 0;
  if (holdout >= folders.length)
    throw new FaceKitError('BAD_INPUT', `holding out ${holdout} people leaves nobody to enrol (${folders.length} people)`, {
      details: { holdout, people: folders.length },
    });
  const heldOut = new Set(folders.slice(folders.length - holdout).map((f) => f.name));
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-eval-'));
  const store = Store.open(path.join(tempDir, 'eval.db'));
  try {
    const enrolments = folders
      .filter((f) => !heldOut.has(f.name))
      .flatMap((f) => f.images.slice(0, options.enrolCount).map((file) => ({ person: f.name, file })));
    const queries = folders.flatMap((f) =>
      (heldOut.has(f.name) ? f.images : f.images.slice(options.enrolCount)).map((file) => ({
        person: f.name,
        file,
        heldOut: heldOut.has(f.name),
      })),
    );
    const total = enrolments.length + queries.length;
    let done = 0;
    const step = (item: string) => options.onProgress?.({ done: done++, total, item });

    const enrolFailures: IdentifyEvaluation['enrolFailures'] = [];
    for (const { person, file } of enrolments) {
      throwIfCancelled(options.signal);
      step(file);
      try {
        await enrol(models, store, person, await decodeImageFile(file), { signal: options.signal });
      } catch (error) {
        if (!isFaceKitError(error) || error.code === 'CANCELLED') throw error;
        enrolFailures.push({ file, reason: error.message });
      }
    }

    const results: IdentifyQuery[] = [];
    for (const query of queries) {
      throwIfCancelled(options.signal);
      step(query.file);
      results.push(await answerQuery(models, store, query, options.threshold, options.signal));
    }
    options.onProgress?.({ done: total, total, item: '' });

    const correct = results.filter((r) => r.correct).length;
    return {
      people: folders.length,
      heldOut: [...heldOut],
      enrolled: enrolments.length - enrolFailures.length,
      enrolFailures,
      queries: results.length,
      top1: results.length ? correct / results.length : 0,
      undetected: results.filter((r) => r.answer === null).map((r) => r.file),
      // A name for an answer comes with the distance that made it (answerQuery).
      falseAccepts: results.flatMap(({ file, person, answer, distance }) =>
        answer !== null && answer !== 'unknown' && answer !== person
          ? [{ file, person, answer, distance: expectDefined(distance, `the distance behind the answer for ${file}`) }]
          : [],
      ),
      threshold: options.threshold,
      results,
    };
  } finally {
    store.close();
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

async function answerQuery(
  models: FaceModels,
  store: Store,
  query: { person: string; file: string; heldOut: boolean },
  threshold: number,
  signal?: AbortSignal,
): Promise<IdentifyQuery> {
  let face;
  let modelId = '';
  try {
    const image = await decodeImageFile(query.file);
    const analysis = await analyzeFaces(models, image, { signal });
    face = subjectFace(analysis.faces, image);
    modelId = analysis.modelId;
  } catch (error) {
    if (!isFaceKitError(error) || error.code === 'CANCELLED') throw error;
  }
  if (!face) return { ...query, answer: null, distance: null, correct: false };
  const index = store.embeddingIndex(modelId);
  const nearest = nearestPeople(index, face.embedding, 1)[0];
  const known = nearest && nearest.distance <= threshold;
  const answer = known ? expectDefined(index.names.get(nearest.personId), `the name of indexed person ${nearest.personId}`) : 'unknown';
  return { ...query, answer, distance: nearest?.distance ?? null, correct: query.heldOut ? answer === 'unknown' : answer === query.person };
}
