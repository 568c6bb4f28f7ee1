// Runs wherever the store does. Client-side encryption of biometrics for the registry: the server only
// ever receives ciphertext. Keys come from FACEKIT_KEY (the same key as the encrypted SQLite cache):
// a passphrase is first stretched with scrypt (a raw x'<64 hex>' key is used as is), then HKDF-SHA256
// with the registry's salt derives one key per purpose. AES-256-GCM authenticates every blob, so a wrong
// key fails loudly (STORE_KEY) instead of yielding garbage embeddings.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scryptSync } from 'node:crypto';
import { FaceKitError } from '../../api/errors.ts';
import type { StoreKey } from '../key.ts';
import type { NewFace, PhotoInfo } from '../types.ts';
import type { SealedFace } from '../postgres/registry.ts';

const NONCE = 12;
const TAG = 16;
const KEY_CHECK_TEXT = 'facekit registry key check v1';

export interface RegistryKeys {
  /** AES-256-GCM key for faces (embedding, thumbnail, box, quality, photo record). */
  readonly seal: Buffer;
  /** HMAC-SHA256 key for photo tags (the server's uniqueness key for "this face of this photo"). */
  readonly tag: Buffer;
}

function secretOf(key: StoreKey, salt: Buffer): Buffer {
  const raw = /^x'([0-9a-fA-F]{64})'$/.exec(key);
  if (raw?.[1]) return Buffer.from(raw[1], 'hex');
  return scryptSync(key.normalize('NFC'), salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

export function deriveRegistryKeys(key: StoreKey, saltHex: string): RegistryKeys {
  const salt = Buffer.from(saltHex, 'hex');
  const secret = secretOf(key, salt);
  const derive = (info: string): Buffer => Buffer.from(hkdfSync('sha256', secret, salt, info, 32));
  return { seal: derive('facekit registry face seal v1'), tag: derive('facekit registry photo tag v1') };
}

export function seal(keys: RegistryKeys, plain: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', keys.seal, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Opens a sealed blob; a wrong key (or a tampered blob, or one moved to another row) is STORE_KEY. */
export function open(keys: RegistryKeys, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < NONCE + TAG) throw new FaceKitError('STORE_KEY', 'a sealed registry record is truncated');
  const decipher = createDecipheriv('aes-256-gcm', keys.seal, sealed.subarray(0, NONCE));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE, sealed.length - TAG)), decipher.final()]);
  } catch {
    throw new FaceKitError(
      'STORE_KEY',
      'cannot decrypt the registry: wrong key (FACEKIT_KEY differs from the one the registry was set up with), or a tampered record',
    );
  }
}

/** The value the first kiosk stores in registry_meta.key_check; later kiosks open it to test their key. */
export function makeKeyCheck(keys: RegistryKeys): string {
  return seal(keys, Buffer.from(KEY_CHECK_TEXT), 'key-check').toString('base64');
}

export function verifyKeyCheck(keys: RegistryKeys, stored: string): void {
  const text = open(keys, Buffer.from(stored, 'base64'), 'key-check').toString('utf8');
  if (text !== KEY_CHECK_TEXT) throw new FaceKitError('STORE_KEY', 'the registry key check does not match');
}

/** HMAC of the photo's SHA-256: unique per photo without telling the server which photo it is. */
export function photoTag(keys: RegistryKeys, sha256: string): Buffer {
  return createHmac('sha256', keys.tag).update(sha256).digest();
}

/** Additional data bound to a face blob: it cannot be swapped onto another row's photo, index or model. */
export function faceAad(modelId: string, tag: Buffer, faceIndex: number): string {
  return `face v1|${modelId}|${tag.toString('hex')}|${faceIndex}`;
}

/** Everything about an enrolled face that the server must not read. */
export interface FacePayload {
  photo: PhotoInfo;
  face: NewFace;
}

interface PayloadHeader {
  photo: PhotoInfo;
  faceIndex: number;
  box: NewFace['box'];
  score: number;
  faceSize: number;
  blur: number;
  dim: number;
  thumbnailBytes: number;
}

/** Layout: u32 header length | JSON header | Float32 LE embedding | thumbnail JPEG (optional). */
export function encodeFacePayload({ photo, face }: FacePayload): Buffer {
  const thumbnail = face.thumbnail ? Buffer.from(face.thumbnail) : Buffer.alloc(0);
  const header: PayloadHeader = {
    photo: { sha256: photo.sha256, path: photo.path, width: photo.width, height: photo.height },
    faceIndex: face.faceIndex,
    box: face.box,
    score: face.score,
    faceSize: face.faceSize,
    blur: face.blur,
    dim: face.embedding.length,
    thumbnailBytes: thumbnail.length,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const embedding = Buffer.alloc(face.embedding.length * 4);
  face.embedding.forEach((v, i) => embedding.writeFloatLE(v, i * 4));
  return Buffer.concat([len, json, embedding, thumbnail]);
}

export function decodeFacePayload(plain: Buffer, modelId: string): FacePayload {
  const jsonLength = plain.readUInt32LE(0);
  const header = JSON.parse(plain.subarray(4, 4 + jsonLength).toString('utf8')) as PayloadHeader;
  const start = 4 + jsonLength;
  const embedding = new Float32Array(header.dim);
  for (let i = 0; i < header.dim; i++) embedding[i] = plain.readFloatLE(start + i * 4);
  const thumbStart = start + header.dim * 4;
  const thumbnail = header.thumbnailBytes ? new Uint8Array(plain.subarray(thumbStart, thumbStart + header.thumbnailBytes)) : null;
  return {
    photo: header.photo,
    face: {
      faceIndex: header.faceIndex,
      box: header.box,
      score: header.score,
      faceSize: header.faceSize,
      blur: header.blur,
      modelId,
      embedding,
      thumbnail,
    },
  };
}

/** A face sealed for the registry: the photo's tag (the server keeps a face unique by it) and the blob bound to its row. */
export function sealFace(keys: RegistryKeys, payload: FacePayload): SealedFace {
  const tag = photoTag(keys, payload.photo.sha256);
  const { faceIndex, modelId } = payload.face;
  return { photoTag: tag, faceIndex, modelId, sealed: seal(keys, encodeFacePayload(payload), faceAad(modelId, tag, faceIndex)) };
}

/** A registry face opened with the key: GCM fails it (STORE_KEY) unless it was sealed for this very row. */
export function openFace(keys: RegistryKeys, f: SealedFace): FacePayload {
  return decodeFacePayload(open(keys, f.sealed, faceAad(f.modelId, f.photoTag, f.faceIndex)), f.modelId);
}
