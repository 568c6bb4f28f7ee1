// Runs in the engine process. Adds a person's face from a photo to the store, refusing photos that
// would make recognition unreliable. Two steps, so that a batch can spread the heavy one over threads:
// analysePhoto (decode → every face with its embedding and thumbnail; no store) and decideEnrolment
// (which face — dominant-face.ts — and is it good enough), then saveEnrolment writes it.
import path from 'node:path';
import type { Store, EnrolOutcome, NewFace, PhotoInfo } from '../../db/store.ts';
import type { DecodedImage, RgbImage } from '../image.ts';
import { FaceKitError } from '../../api/errors.ts';
import { analyzeFaces, ENROL_VIEWS, type AnalyzedFace, type AnalyzeOptions } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { faceThumbnail } from '../faces/thumbnail.ts';
import { pickFace, summarizeFace, type FaceSummary } from './recognition.ts';
import { chooseEnrolFace } from './dominant-face.ts';
import { resolveThreshold, THRESHOLD_SETTING } from './thresholds.ts';

/** Which face to enrol: its index (0 = leftmost), the largest, or (unset) the rule of dominant-face.ts. */
export type FaceSelector = number | 'largest';

export interface EnrolOptions extends AnalyzeOptions {
  face?: FaceSelector;
  /** Enrol even a face that fails the size/blur checks. */
  allowLowQuality?: boolean;
  /** The source is a name given by the app (a camera shot, an upload), not a path to resolve. */
  keepSourceName?: boolean;
}

/** How the face was chosen: the photo's only one, the dominant one, the one like the person's other photos, or the caller's. */
export type ChosenHow = 'only' | 'dominant' | 'matched' | 'given';

export interface EnrolResult {
  person: string;
  source: string;
  status: 'added' | 'already-enrolled';
  faceId: number;
  face: FaceSummary;
  /** Faces in the photo, and how the enrolled one was chosen among them. */
  faceCount: number;
  chosen: ChosenHow;
  /** What is weak about the face that was enrolled anyway (a soft quality warning); empty when nothing. */
  warnings: string[];
}

/** One face of an analysed photo, ready to be stored if chosen. */
export interface CandidateFace {
  summary: FaceSummary;
  /** Why it is not good enough to enrol (quality gates); empty when it is. */
  problems: string[];
  warnings: string[];
  face: NewFace;
}

/** Everything enrolment needs from a photo, computed without the store (a worker thread can do it). */
export interface AnalysedPhoto {
  source: string;
  photo: PhotoInfo;
  modelId: string;
  faces: CandidateFace[];
}

/** A face ready to be stored: the one chosen from an analysed photo. */
export interface PreparedEnrolment {
  source: string;
  photo: PhotoInfo;
  face: NewFace;
  summary: FaceSummary;
  faceCount: number;
  chosen: ChosenHow;
  warnings: string[];
}

/** What decideEnrolment weighs a face of several against (dominant-face.ts). */
export interface IdentityEvidence {
  /** The person's other faces: already stored, and from their single-face photos in the same batch. */
  embeddings: readonly Float32Array[];
  threshold: number;
}

function describeFaces(summaries: FaceSummary[]): string {
  return summaries.map((f) => `${f.index} at x=${Math.round(f.box.x)}`).join(', ');
}

function faceList(faces: CandidateFace[]) {
  return faces.map(({ summary: f }) => ({ index: f.index, box: { x: f.box.x, y: f.box.y, width: f.box.width, height: f.box.height } }));
}

/** Finds every face of the photo with its embedding, quality and thumbnail. Needs no store. */
/** What the store keeps of an analysed face: its place, quality figures, embedding and a thumbnail. */
export async function storedFace(image: RgbImage, face: AnalyzedFace, modelId: string): Promise<NewFace & { thumbnail: Uint8Array }> {
  return {
    faceIndex: face.index,
    box: face.box,
    score: face.score,
    faceSize: face.quality.faceSize,
    blur: face.quality.blur,
    modelId,
    embedding: face.embedding,
    thumbnail: await faceThumbnail(image, face.box),
  };
}

export async function analysePhoto(models: FaceModels, image: DecodedImage, options: EnrolOptions = {}): Promise<AnalysedPhoto> {
  // An enrolled face is kept for years and compared with every query: its extra views are worth their cost.
  const { faces, modelId } = await analyzeFaces(models, image, { views: ENROL_VIEWS, ...options });
  const candidates: CandidateFace[] = [];
  for (const face of faces) {
    candidates.push({
      summary: summarizeFace(face),
      problems: face.quality.problems,
      warnings: face.quality.warnings,
      face: await storedFace(image, face, modelId),
    });
  }
  return {
    source: image.source,
    photo: {
      sha256: image.sha256,
      path: options.keepSourceName ? image.source : path.resolve(image.source),
      width: image.width,
      height: image.height,
    },
    modelId,
    faces: candidates,
  };
}

function selectGiven(photo: AnalysedPhoto, selector: FaceSelector): CandidateFace {
  if (selector !== 'largest') return pickFace(photo.faces, selector, photo.source);
  const [largest] = [...photo.faces].sort((a, b) => b.summary.faceSize - a.summary.faceSize);
  if (!largest) throw new FaceKitError('NO_FACE', 'no face found in the image', photo.source);
  return largest;
}

/**
 * Which face of the photo to enrol, and is it good enough: the given one, else the rule of
 * dominant-face.ts against the person's other faces (`evidence`). Throws NO_FACE, MULTIPLE_FACES,
 * NOT_SAME_PERSON or LOW_QUALITY (BAD_INPUT for an index the photo does not have), with details a
 * shell can word its own advice from.
 */
export function decideEnrolment(
  photo: AnalysedPhoto,
  options: Pick<EnrolOptions, 'face' | 'allowLowQuality'> & { evidence?: IdentityEvidence } = {},
): PreparedEnrolment {
  const { faces, source } = photo;
  if (!faces.length) throw new FaceKitError('NO_FACE', 'no face found in the image', source);
  let chosen: CandidateFace;
  let how: ChosenHow;
  if (options.face !== undefined) {
    chosen = selectGiven(photo, options.face);
    how = 'given';
  } else {
    const evidence = options.evidence ?? { embeddings: [], threshold: 0 };
    const choice = chooseEnrolFace(
      faces.map((f) => ({ box: f.summary.box, embedding: f.face.embedding, candidate: f })),
      { width: photo.photo.width, height: photo.photo.height },
      evidence.embeddings,
      evidence.threshold,
    );
    if (!choice.chosen) {
      if (choice.reason === 'no-face') throw new FaceKitError('NO_FACE', 'no face found in the image', source);
      const summaries = faces.map((f) => f.summary);
      if (choice.reason === 'not-same-person') {
        throw new FaceKitError('NOT_SAME_PERSON', `not the same person as the other photos: ${choice.why}`, {
          file: source,
          details: {
            face: choice.dominant?.candidate.summary.index ?? null,
            distance: choice.distance ?? null,
            threshold: evidence.threshold,
            faces: faceList(faces),
          },
        });
      }
      // The caller picks one (options.face); details list the faces so it can say how.
      throw new FaceKitError(
        'MULTIPLE_FACES',
        `${faces.length} faces found (${describeFaces(summaries)}) and none is clearly the person's: ${choice.why}`,
        {
          file: source,
          details: { faces: faceList(faces), why: choice.why },
        },
      );
    }
    chosen = choice.face.candidate;
    how = choice.how;
  }
  if (chosen.problems.length && !options.allowLowQuality) {
    // options.allowLowQuality enrols it anyway; each shell says how to ask for that.
    throw new FaceKitError('LOW_QUALITY', chosen.problems.join('; '), { file: source, details: { problems: chosen.problems } });
  }
  return {
    source,
    photo: photo.photo,
    face: chosen.face,
    summary: chosen.summary,
    faceCount: faces.length,
    chosen: how,
    warnings: [...chosen.problems, ...chosen.warnings],
  };
}

/** Finds the face to enrol and checks it, with no store (the evidence, if any, is given). */
export async function prepareEnrolment(
  models: FaceModels,
  image: DecodedImage,
  options: EnrolOptions & { evidence?: IdentityEvidence } = {},
): Promise<PreparedEnrolment> {
  return decideEnrolment(await analysePhoto(models, image, options), options);
}

/** The person's stored faces of `modelId` and the store's threshold: what a face picked among several must match. */
export function storedEvidence(store: Store, personName: string, modelId: string): IdentityEvidence {
  const person = store.getPerson(personName);
  return {
    embeddings: person ? store.faceSearch.personEmbeddings(modelId, person.id) : [],
    threshold: resolveThreshold(undefined, store.getSetting<number>(THRESHOLD_SETTING)),
  };
}

/** Stores a prepared face as `personName` (created when new), in one transaction. Idempotent per photo. */
export function saveEnrolment(store: Store, personName: string, prepared: PreparedEnrolment): EnrolResult {
  return enrolmentResult(personName, prepared, store.enrolFace(personName, prepared.photo, prepared.face, { createIfMissing: true }));
}

/** What a store (the local one, or the registry) made of a prepared face, as the caller's result; a conflict throws. */
export function enrolmentResult(personName: string, prepared: PreparedEnrolment, outcome: EnrolOutcome): EnrolResult {
  if (outcome.status === 'conflict') {
    throw new FaceKitError('CONFLICT', `this face is already enrolled as "${outcome.ownerName}"`, prepared.source);
  }
  return {
    person: personName,
    source: prepared.source,
    status: outcome.status,
    faceId: outcome.faceId,
    face: prepared.summary,
    faceCount: prepared.faceCount,
    chosen: prepared.chosen,
    warnings: prepared.warnings,
  };
}

/**
 * Enrols one face of `image` as `personName` (creating the person when new). Idempotent per photo.
 * A face picked among several must match the person's faces already stored, if they have any.
 */
export async function enrol(
  models: FaceModels,
  store: Store,
  personName: string,
  image: DecodedImage,
  options: EnrolOptions = {},
): Promise<EnrolResult> {
  const photo = await analysePhoto(models, image, options);
  const prepared = decideEnrolment(photo, { ...options, evidence: storedEvidence(store, personName, photo.modelId) });
  return saveEnrolment(store, personName, prepared);
}
