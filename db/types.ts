// Runs wherever the store does. The store's row and input types, in a module of their own so that
// store.ts, validate.ts, the repositories and search share them without importing one another.
import type Database from 'better-sqlite3-multiple-ciphers';
import type { ChallengeKind, SpoofReason } from '../api/liveness.ts';

/** The driver's connection type, for db/ modules that get the Store's connection (no driver import of their own). */
export type StoreDatabase = Database.Database;

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PersonRow {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  faceCount: number;
  photoCount: number;
}

export interface NewFace {
  faceIndex: number;
  box: FaceBox;
  score: number;
  faceSize: number;
  blur: number;
  modelId: string;
  embedding: Float32Array;
  /** JPEG of the face, for the UI */
  thumbnail?: Uint8Array | null;
}

export interface PhotoInfo {
  sha256: string;
  path: string;
  width: number;
  height: number;
}

export interface FaceRow {
  id: number;
  personId: number;
  personName: string;
  photoId: number | null;
  photoSha256: string | null;
  photoPath: string | null;
  faceIndex: number;
  box: FaceBox;
  modelId: string;
  createdAt: string;
}

/** Why an outdated face (made by another face pipeline) could not be re-embedded: it needs re-enrolment. */
export type UpgradeProblem = 'no-photo' | 'photo-missing' | 'photo-changed' | 'photo-unreadable' | 'face-not-found';

/** A face whose embedding was made by another pipeline than the current one: search does not see it. */
export interface OutdatedFace {
  id: number;
  personId: number;
  personName: string;
  /** The pipeline that made its embedding. */
  modelId: string;
  photoId: number | null;
  photoPath: string | null;
  photoSha256: string | null;
  faceIndex: number;
  box: FaceBox;
  /** The pipeline a re-embedding was last tried for and failed, and why; null when never tried (or it worked). */
  upgradePipeline: string | null;
  upgradeProblem: UpgradeProblem | null;
}

/** A person's outdated faces, and how many of those need re-enrolment (engine/recognition/face-upgrade.ts decides which). */
export interface OutdatedCount {
  outdated: number;
  needReenrolment: number;
}

export interface EmbeddingIndex {
  modelId: string;
  dim: number;
  count: number;
  faceIds: Int32Array;
  personIds: Int32Array;
  matrix: Float32Array /* count × dim, row-major */;
  names: Map<number, string> /* personId → name */;
}

export type EnrolOutcome =
  { status: 'added'; faceId: number } | { status: 'already-enrolled'; faceId: number } | { status: 'conflict'; ownerName: string };

export interface CheckinRow {
  id: number;
  personId: number | null;
  personName: string;
  distance: number | null;
  at: string;
  source: string;
}

/** A check-in as written: `at` already normalised (validate.ts isoTime). */
export type NewCheckin = Omit<CheckinRow, 'id'>;

/** A face refused at the kiosk as not live (migration 007): who it looked like, why, and what it showed. */
export interface SpoofAttemptRow {
  id: number;
  at: string;
  source: string;
  personId: number | null;
  personName: string;
  distance: number | null;
  reason: SpoofReason;
  challenge: ChallengeKind | null;
  /** Mean passive liveness score over the attempt's frames, when measured. */
  liveness: number | null;
}
export type NewSpoofAttempt = Omit<SpoofAttemptRow, 'id'> & { thumbnail: Uint8Array | null };
