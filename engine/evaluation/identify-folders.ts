// Runs in the engine process. Identification accuracy over a folder per person (facekit eval identify):
// the first K photos of each person are enrolled into a fresh temporary store, the rest are identified;
// held-out people are never enrolled and must come back unknown. Photos are analysed on worker threads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../db/store.ts';
import { decideEnrolment, saveEnrolment, storedEvidence } from '../recognition/enrolment.ts';
import { expectDefined, FaceKitError, isFaceKitError } from '../../api/errors.ts';
import { nearestPeople } from '../../db/search/exact.ts';
import { runEvalTasks, type EvalRunOptions } from './verify-pairs.ts';
import type { EvalTask, SubjectOutcome } from '../workers/eval-worker.ts';

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
  /** Worker threads that analysed the photos. */
  workers: number;
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

/**
 * Enrols the first K photos of each person into a temporary store and identifies the rest. Every photo
 * is analysed on worker threads at once; this thread then enrols in folder order (each decision sees
 * the person's photos enrolled before it, as one-by-one enrolment would) and answers the queries.
 */
export async function evaluateIdentification(
  root: string,
  options: { enrolCount: number; holdout?: number; threshold: number } & EvalRunOptions,
): Promise<IdentifyEvaluation> {
  const folders = readPersonFolders(root);
  const holdout = options.holdout ?? 0;
  if (holdout >= folders.length)
    throw new FaceKitError('BAD_INPUT', `holding out ${holdout} people leaves nobody to enrol (${folders.length} people)`, {
      details: { holdout, people: folders.length },
    });
  const heldOut = new Set(folders.slice(folders.length - holdout).map((f) => f.name));
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
  const { results: analysed, workers } = await runEvalTasks(
    [
      ...enrolments.map((e): EvalTask => ({ kind: 'enrol', file: e.file })),
      ...queries.map((q): EvalTask => ({ kind: 'subject', file: q.file })),
    ],
    options,
  );

  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-eval-'));
  const store = Store.open(path.join(tempDir, 'eval.db'));
  try {
    const enrolFailures: IdentifyEvaluation['enrolFailures'] = [];
    for (const [i, { person, file }] of enrolments.entries()) {
      const result = expectDefined(analysed[i], `the analysis of ${file}`);
      if (result.kind !== 'enrol') throw new Error(`an enrol task came back as ${result.kind}`);
      if ('reason' in result.outcome) {
        enrolFailures.push({ file, reason: result.outcome.reason });
        continue;
      }
      const { photo } = result.outcome;
      try {
        saveEnrolment(store, person, decideEnrolment(photo, { evidence: storedEvidence(store, person, photo.modelId) }));
      } catch (error) {
        if (!isFaceKitError(error) || error.code === 'CANCELLED') throw error;
        enrolFailures.push({ file, reason: error.message });
      }
    }

    const results = queries.map((query, i) => {
      const result = expectDefined(analysed[enrolments.length + i], `the analysis of ${query.file}`);
      if (result.kind !== 'subject') throw new Error(`a subject task came back as ${result.kind}`);
      return answerQuery(store, query, result.outcome, options.threshold);
    });

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
      workers,
      results,
    };
  } finally {
    store.close();
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

function answerQuery(
  store: Store,
  query: { person: string; file: string; heldOut: boolean },
  outcome: SubjectOutcome,
  threshold: number,
): IdentifyQuery {
  if (!('face' in outcome)) return { ...query, answer: null, distance: null, correct: false };
  const index = store.embeddingIndex(outcome.modelId);
  const nearest = nearestPeople(index, outcome.face.embedding, 1)[0];
  const known = nearest && nearest.distance <= threshold;
  const answer = known ? expectDefined(index.names.get(nearest.personId), `the name of indexed person ${nearest.personId}`) : 'unknown';
  return { ...query, answer, distance: nearest?.distance ?? null, correct: query.heldOut ? answer === 'unknown' : answer === query.person };
}
