// Input checks for the store: turn bad values into BAD_INPUT before they reach SQL.
import { FaceKitError } from '../api/errors.ts';
import type { NewFace, PhotoInfo } from './types.ts';

export const MAX_NAME_LENGTH = 100;

/** Trims, NFC-normalises and checks a person's name; returns the name to store. */
export function cleanName(raw: string): string {
  if (typeof raw !== 'string') throw new FaceKitError('BAD_INPUT', 'a name must be a string');
  const name = raw.normalize('NFC').trim();
  const length = [...name].length; // code points, so an emoji counts once
  if (length === 0) throw new FaceKitError('BAD_INPUT', 'a name must not be empty');
  if (length > MAX_NAME_LENGTH) {
    throw new FaceKitError('BAD_INPUT', `a name must be at most ${MAX_NAME_LENGTH} characters (got ${length})`);
  }
  if (/\p{Cc}/u.test(name)) throw new FaceKitError('BAD_INPUT', 'a name must not contain control characters');
  return name;
}

/** The case-insensitive identity of a name (Unicode-aware, unlike SQLite's NOCASE). */
export function nameKey(raw: string): string {
  return raw.normalize('NFC').trim().toLowerCase();
}

export function checkPhoto(photo: PhotoInfo): PhotoInfo {
  const sha256 = String(photo.sha256).toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new FaceKitError('BAD_INPUT', `not a SHA-256 hex digest: "${photo.sha256}"`);
  for (const [key, v] of [
    ['width', photo.width],
    ['height', photo.height],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new FaceKitError('BAD_INPUT', `photo ${key} must be a positive integer (got ${v})`);
  }
  if (typeof photo.path !== 'string' || photo.path.length === 0) throw new FaceKitError('BAD_INPUT', 'photo path is empty');
  return { ...photo, sha256 };
}

/**
 * Checks what SQL cannot (finite floats, types). Ranges (score in 0..1, positive box, ...) are
 * CHECK constraints in the schema and reported as BAD_INPUT by the store.
 */
export function checkFace(face: NewFace): void {
  if (!Number.isInteger(face.faceIndex) || face.faceIndex < 0) {
    throw new FaceKitError('BAD_INPUT', `face index must be a non-negative integer (got ${face.faceIndex})`);
  }
  if (typeof face.modelId !== 'string' || face.modelId.length === 0) throw new FaceKitError('BAD_INPUT', 'model id is empty');
  if (!(face.embedding instanceof Float32Array) || face.embedding.length === 0) {
    throw new FaceKitError('BAD_INPUT', 'embedding must be a non-empty Float32Array');
  }
  if (!face.embedding.every(Number.isFinite)) throw new FaceKitError('BAD_INPUT', 'embedding contains NaN or Infinity');
  const numbers = {
    x: face.box?.x,
    y: face.box?.y,
    width: face.box?.width,
    height: face.box?.height,
    score: face.score,
    faceSize: face.faceSize,
    blur: face.blur,
  };
  for (const [key, v] of Object.entries(numbers)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new FaceKitError('BAD_INPUT', `face ${key} must be a finite number (got ${v})`);
  }
}

/** Normalises a timestamp to toISOString() form so text comparison is time comparison. */
export function isoTime(value: string, what: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new FaceKitError('BAD_INPUT', `${what} is not a valid time: "${value}"`);
  return new Date(t).toISOString();
}
