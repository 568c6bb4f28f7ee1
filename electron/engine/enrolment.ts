// Runs in the engine process. Adds a person's face from a photo to the store, refusing photos that
// would make recognition unreliable.
import path from 'node:path';
import type { Store, EnrolOutcome } from '../../db/store.ts';
import type { DecodedImage } from './image.ts';
import { FaceKitError } from './errors.ts';
import { analyzeFaces, type AnalyzeOptions } from './faces/pipeline.ts';
import { faceThumbnail } from './faces/thumbnail.ts';
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

/** Enrols one face of `image` as `personName` (creating the person when new). Idempotent per photo. */
export async function enrol(store: Store, personName: string, image: DecodedImage, options: EnrolOptions = {}): Promise<EnrolResult> {
  const { faces, modelId } = await analyzeFaces(image, options);
  requireFaces(faces, image.source);
  if (faces.length > 1 && options.faceIndex === undefined) {
    throw new FaceKitError(
      'MULTIPLE_FACES',
      `${faces.length} faces found (${describeFaces(faces.map(summarizeFace))}); choose one with --face N`,
      image.source,
    );
  }
  const face = pickFace(faces, options.faceIndex ?? 0, image.source);
  if (face.quality.problems.length && !options.allowLowQuality) {
    throw new FaceKitError('LOW_QUALITY', `${face.quality.problems.join('; ')} (use --allow-low-quality to enrol anyway)`, image.source);
  }
  const outcome: EnrolOutcome = store.enrolFace(
    personName,
    { sha256: image.sha256, path: options.keepSourceName ? image.source : path.resolve(image.source), width: image.width, height: image.height },
    {
      faceIndex: face.index,
      box: face.box,
      score: face.score,
      faceSize: face.quality.faceSize,
      blur: face.quality.blur,
      modelId,
      embedding: face.embedding,
      thumbnail: await faceThumbnail(image, face.box),
    },
    { createIfMissing: true },
  );
  if (outcome.status === 'conflict') {
    throw new FaceKitError('CONFLICT', `this face is already enrolled as "${outcome.ownerName}"`, image.source);
  }
  return { person: personName, source: image.source, status: outcome.status, faceId: outcome.faceId, face: summarizeFace(face) };
}
