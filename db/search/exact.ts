// Runs anywhere. Nearest-person search over a matrix of embeddings, brute force: ~0.25 µs a face
// (bench/search.bench.ts), so 5 ms at 20 000 faces. It is the reference for, and below that size
// instead of, the HNSW index (db/search/face-search.ts).
import { FaceKitError } from '../../api/errors.ts';

/** The embeddings to search, one row per enrolled face. */
export interface EmbeddingMatrix {
  dim: number;
  count: number;
  personIds: Int32Array;
  matrix: Float32Array;
}

export interface Candidate {
  personId: number;
  /** Euclidean (L2) distance to the person's closest enrolled face. */
  distance: number;
  /** Index of that face's row in the matrix. */
  row: number;
}

function dimensionMismatch(a: Float32Array, b: Float32Array): FaceKitError {
  return new FaceKitError('INTERNAL', `cannot compare embeddings of ${a.length} and ${b.length} dimensions`);
}

export function euclidean(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw dimensionMismatch(a, b);
  let sum = 0;
  // Checked per element, not asserted: the check measured no slower (V8 folds it into its own bounds check).
  for (let i = 0; i < a.length; i++) {
    const x = a[i],
      y = b[i];
    if (x === undefined || y === undefined) throw dimensionMismatch(a, b);
    const d = x - y;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** An index whose arrays hold fewer than `count` rows: only a bug in whoever built it can make one. */
function shortIndex({ dim, count, matrix, personIds }: EmbeddingMatrix): FaceKitError {
  return new FaceKitError(
    'INTERNAL',
    `embedding index too short: ${count} rows of ${dim} need ${count * dim} values and ${count} person ids; it has ${matrix.length} and ${personIds.length}`,
  );
}

/** The `k` closest people to `query`, each by their closest face, nearest first. */
export function nearestPeople(index: EmbeddingMatrix, query: Float32Array, k: number): Candidate[] {
  const { dim, count, matrix, personIds } = index;
  if (count === 0) return []; // nobody enrolled (yet) under this model: every face is unknown
  if (query.length !== dim) throw new Error(`query has ${query.length} dimensions; the index has ${dim}`);
  const best = new Map<number, { squared: number; row: number }>();
  for (let row = 0; row < count; row++) {
    const offset = row * dim;
    let squared = 0;
    // The hot loop of every search. Checked per element, not asserted: measured no slower than the
    // unchecked loop (V8 folds the check into its own bounds check); a short matrix is an error, not NaN.
    for (let i = 0; i < dim; i++) {
      const m = matrix[offset + i],
        q = query[i];
      if (m === undefined || q === undefined) throw shortIndex(index);
      const d = m - q;
      squared += d * d;
    }
    const personId = personIds[row];
    if (personId === undefined) throw shortIndex(index);
    const seen = best.get(personId);
    if (!seen || squared < seen.squared) best.set(personId, { squared, row });
  }
  return [...best.entries()]
    .map(([personId, { squared, row }]) => ({ personId, distance: Math.sqrt(squared), row }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k);
}
