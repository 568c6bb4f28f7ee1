// Runs in the engine process. Adds a person's face from a photo to the store, refusing photos that
// would make recognition unreliable.
import path from 'node:path';
import type { Store, EnrolOutcome, NewFace, PhotoInfo } from '../../db/store.ts';
import type { DecodedImage } from '../image.ts';
import { FaceKitError } from '../../api/errors.ts';
import { analyzeFaces, type AnalyzeOptions } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { faceThumbnail } from '../faces/thumbnail.ts';
import { pickFace, requireFaces, summarizeFace, type FaceSummary } from './recognition.ts';

export interface EnrolOptions extends AnalyzeOptions {
  /** Which face to enrol when the photo has several (0 = leftmost). */
  faceIndex?: number;
  /** Enrol even a face that fails the size/blur checks. */
  allowLowQuality?: boolean;
  /** The source is a name given by the app (a camera shot, an upload), not a path to resolve. */
  keepSourceName?: boolean;
}

export interface EnrolResult {
  person: string;
  source: string;
  status: 'added' | 'already-enrolled';
  faceId: number;
  face: FaceSummary;
}

function describeFaces(summaries: FaceSummary[]): string {
  return summaries.map((f) => `${f.index} at x=${Math.round(f.box.x)}`).join(', ');
}

/** A face ready to be stored: everything enrolment needs from the photo, computed without the store. */
export interface PreparedEnrolment {
  source: string;
  photo: PhotoInfo;
  face: NewFace;
  summary: FaceSummary;
}

/**
 * Finds the face to enrol and checks it (one face or an explicit index, quality gates). Needs no
 * store, so worker threads can prepare photos in parallel while one thread writes.
 */
export async function prepareEnrolment(models: FaceModels, image: DecodedImage, options: EnrolOptions = {}): Promise<PreparedEnrolment> {
  const { faces, modelId } = await analyzeFaces(models, image, options);
  requireFaces(faces, image.source);
  if (faces.length > 1 && options.faceIndex === undefined) {
    // The caller picks one (options.faceIndex); details list the faces so it can say how.
    const summaries = faces.map(summarizeFace);
    throw new FaceKitError('MULTIPLE_FACES', `${faces.length} faces found (${describeFaces(summaries)})`, {
      file: image.source,
      details: {
        faces: summaries.map((f) => ({ index: f.index, box: { x: f.box.x, y: f.box.y, width: f.box.width, height: f.box.height } })),
      },
    });
  }
  const face = pickFace(faces, options.faceIndex ?? 0, image.source);
  if (face.quality.problems.length && !options.allowLowQuality) {
    // options.allowLowQuality enrols it anyway; each shell says how to ask for that.
    throw new FaceKitError('LOW_QUALITY', face.quality.problems.join('; '), {
      file: image.source,
      details: { problems: face.quality.problems },
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
    face: {
      faceIndex: face.index,
      box: face.box,
      score: face.score,
      faceSize: face.quality.faceSize,
      blur: face.quality.blur,
      modelId,
      embedding: face.embedding,
      thumbnail: await faceThumbnail(image, face.box),
    },
    summary: summarizeFace(face),
  };
}

/** Stores a prepared face as `personName` (created when new), in one transaction. Idempotent per photo. */
export function saveEnrolment(store: Store, personName: string, prepared: PreparedEnrolment): EnrolResult {
  const outcome: EnrolOutcome = store.enrolFace(personName, prepared.photo, prepared.face, { createIfMissing: true });
  if (outcome.status === 'conflict') {
    throw new FaceKitError('CONFLICT', `this face is already enrolled as "${outcome.ownerName}"`, prepared.source);
  }
  return { person: personName, source: prepared.source, status: outcome.status, faceId: outcome.faceId, face: prepared.summary };
}

/** Enrols one face of `image` as `personName` (creating the person when new). Idempotent per photo. */
export async function enrol(
  models: FaceModels,
  store: Store,
  personName: string,
  image: DecodedImage,
  options: EnrolOptions = {},
): Promise<EnrolResult> {
  return saveEnrolment(store, personName, await prepareEnrolment(models, image, options));
}
