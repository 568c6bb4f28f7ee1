// Float32 embeddings <-> SQLite BLOBs (little-endian, as written by every supported platform).
import { endianness } from 'node:os';
import { FaceKitError } from '../api/errors.ts';

if (endianness() !== 'LE') {
  // The on-disk format is little-endian; a big-endian host would need byte swapping.
  throw new FaceKitError('INTERNAL', 'the embedding store requires a little-endian CPU');
}

export function encodeEmbedding(f32: Float32Array): Buffer {
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
}

/** Copies into a fresh Float32Array: a Buffer from SQLite need not be 4-byte aligned. */
export function decodeEmbedding(blob: Uint8Array, dim: number): Float32Array {
  if (blob.byteLength !== dim * 4) {
    throw new FaceKitError('INTERNAL', `embedding blob has ${blob.byteLength} bytes, expected ${dim * 4}`);
  }
  const out = new Float32Array(dim);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

/** Copies a blob into row `row` of a row-major matrix without an aligned view of the blob. */
export function copyEmbeddingInto(matrix: Float32Array, row: number, dim: number, blob: Uint8Array): void {
  if (blob.byteLength !== dim * 4) {
    throw new FaceKitError('INTERNAL', `embedding blob has ${blob.byteLength} bytes, expected ${dim * 4}`);
  }
  new Uint8Array(matrix.buffer, matrix.byteOffset + row * dim * 4, dim * 4).set(blob);
}
