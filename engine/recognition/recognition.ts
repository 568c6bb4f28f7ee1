// Runs in the engine process. Verification (1:1) and identification (1:n) of the faces in a photo
// against the people in the store.
import type { Store } from '../../db/store.ts';
import type { DecodedImage } from '../image.ts';
import { FaceKitError } from '../../api/errors.ts';
import { analyzeFaces, type AnalyzedFace, type AnalyzeOptions } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { euclidean } from '../../db/search/exact.ts';
import { THRESHOLD_SETTING, resolveThreshold } from './thresholds.ts';
import type { Box } from '../faces/geometry.ts';
import { reliabilityWarnings } from '../faces/quality.ts';
import { LIVENESS_THRESHOLD_SETTING, passiveLiveness, resolveLivenessThreshold, type LivenessScore } from '../faces/liveness.ts';

export interface FaceSummary {
  index: number;
  box: Box;
  score: number;
  faceSize: number;
  blur: number;
  /** Estimated yaw, degrees. */
  yaw: number;
  /** Why a match on this face is less reliable (turned, blurred, small); empty when nothing. */
  notes: string[];
}

export interface PersonMatch {
  personId: number;
  name: string;
  distance: number;
}

export interface VerifyResult {
  person: string;
  match: boolean;
  distance: number;
  threshold: number;
  /** The face that was compared (the given one, else the one closest to the person). */
  face: FaceSummary;
  faceCount: number;
  /** The compared face's passive liveness, when options.liveness asked for it. */
  liveness?: LivenessScore;
}

export interface IdentifiedFace {
  face: FaceSummary;
  /** The closest person within the threshold, or null: unknown. */
  match: PersonMatch | null;
  /** The k closest people, nearest first, whether within the threshold or not. */
  candidates: PersonMatch[];
  /** Passive liveness, when options.liveness asked for it. */
  liveness?: LivenessScore;
}

export interface IdentifyResult {
  source: string;
  threshold: number;
  faces: IdentifiedFace[];
}

export interface RecognitionOptions extends AnalyzeOptions {
  threshold?: number;
  /** Also score passive liveness (off unless asked: it costs a network run per face). */
  liveness?: boolean;
  /** The liveness threshold; default: the store's setting, else the shipped default. */
  livenessThreshold?: number;
}

export function summarizeFace(face: AnalyzedFace): FaceSummary {
  const { faceSize, blur, yaw } = face.quality;
  return { index: face.index, box: face.box, score: face.score, faceSize, blur, yaw, notes: reliabilityWarnings(face.quality) };
}

function thresholdFor(store: Store, perCall: number | undefined): number {
  return resolveThreshold(perCall, store.getSetting<number>(THRESHOLD_SETTING));
}

/** The face's passive liveness when the options ask for it, else undefined. */
async function livenessIfAsked(
  models: FaceModels,
  store: Store,
  image: DecodedImage,
  face: AnalyzedFace,
  options: RecognitionOptions,
): Promise<LivenessScore | undefined> {
  if (!options.liveness) return undefined;
  const threshold = resolveLivenessThreshold(options.livenessThreshold, store.getSetting(LIVENESS_THRESHOLD_SETTING));
  return passiveLiveness(models, image, face, threshold);
}

/** At least one face, or a NO_FACE error. */
export type SomeFaces = [AnalyzedFace, ...AnalyzedFace[]];

export function requireFaces(faces: AnalyzedFace[], source: string): asserts faces is SomeFaces {
  if (!faces.length) throw new FaceKitError('NO_FACE', 'no face found in the image', source);
}

/** Face `faceIndex` of a photo's faces (numbered left to right), or BAD_INPUT saying which exist. */
export function pickFace<F>(faces: readonly F[], faceIndex: number, source: string): F {
  const face = faces[faceIndex];
  if (!Number.isInteger(faceIndex) || !face) {
    throw new FaceKitError(
      'BAD_INPUT',
      `face index ${faceIndex} does not exist; the image has ${faces.length} face(s), numbered 0–${faces.length - 1} from left to right`,
      source,
    );
  }
  return face;
}

/** Is the person in this photo? Compares `faceIndex`, or else every face, against the person's enrolled faces. */
export async function verify(
  models: FaceModels,
  store: Store,
  personName: string,
  image: DecodedImage,
  options: RecognitionOptions & { faceIndex?: number } = {},
): Promise<VerifyResult> {
  const person = store.requirePerson(personName);
  const threshold = thresholdFor(store, options.threshold);
  const { faces, modelId } = await analyzeFaces(models, image, options);
  requireFaces(faces, image.source);
  // Only this person's faces: 1:1 needs no gallery-wide index, however large the store.
  const enrolled = store.faceSearch.personEmbeddings(modelId, person.id);
  if (!enrolled.length) {
    throw new FaceKitError(
      'NOT_FOUND',
      `"${person.name}" has no faces enrolled with the current face model (${modelId}); enrol them again`,
    );
  }
  const [first, ...others]: SomeFaces = options.faceIndex === undefined ? faces : [pickFace(faces, options.faceIndex, image.source)];
  const nearest = (face: AnalyzedFace) => ({ face, distance: Math.min(...enrolled.map((e) => euclidean(e, face.embedding))) });
  let best = nearest(first);
  for (const face of others) {
    const candidate = nearest(face);
    if (candidate.distance < best.distance) best = candidate;
  }
  const liveness = await livenessIfAsked(models, store, image, best.face, options);
  return {
    person: person.name,
    match: best.distance <= threshold,
    distance: best.distance,
    threshold,
    face: summarizeFace(best.face),
    faceCount: faces.length,
    ...(liveness && { liveness }),
  };
}

/** One face identified, with everything the pipeline knew about it (landmarks, embedding): for the kiosk. */
export interface AnalyzedMatch extends IdentifiedFace {
  analysis: AnalyzedFace;
}

/** identify(), keeping each face's analysis (the kiosk's liveness and visitor log need landmarks and embeddings). */
export async function identifyAnalyzed(
  models: FaceModels,
  store: Store,
  image: DecodedImage,
  options: RecognitionOptions & { topK?: number } = {},
): Promise<{ threshold: number; modelId: string; faces: AnalyzedMatch[] }> {
  const threshold = thresholdFor(store, options.threshold);
  const { faces, modelId } = await analyzeFaces(models, image, options);
  const results: AnalyzedMatch[] = [];
  for (const face of faces) {
    // Exact below db/search/face-search.ts's ANN_MIN_FACES faces, the HNSW index above.
    const candidates: PersonMatch[] = store.faceSearch.nearestPeople(modelId, face.embedding, options.topK ?? 3);
    const nearest = candidates[0];
    const liveness = await livenessIfAsked(models, store, image, face, options);
    results.push({
      face: summarizeFace(face),
      match: nearest && nearest.distance <= threshold ? nearest : null,
      candidates,
      analysis: face,
      ...(liveness && { liveness }),
    });
  }
  return { threshold, modelId, faces: results };
}

/** Who is in this photo? For each face: the nearest enrolled person within the threshold, or unknown. */
export async function identify(
  models: FaceModels,
  store: Store,
  image: DecodedImage,
  options: RecognitionOptions & { topK?: number } = {},
): Promise<IdentifyResult> {
  const { threshold, faces } = await identifyAnalyzed(models, store, image, options);
  return { source: image.source, threshold, faces: faces.map(({ analysis: _analysis, ...identified }) => identified) };
}
