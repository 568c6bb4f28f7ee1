// Runs anywhere. Nearest-person search over a matrix of embeddings (brute force: 100 000 faces take a
// few milliseconds, see bench/search.bench.ts, so an approximate index is not worth its complexity).

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

export function euclidean(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
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
    for (let i = 0; i < dim; i++) {
      const d = matrix[offset + i]! - query[i]!;
      squared += d * d;
    }
    const personId = personIds[row]!;
    const seen = best.get(personId);
    if (!seen || squared < seen.squared) best.set(personId, { squared, row });
  }
  return [...best.entries()]
    .map(([personId, { squared, row }]) => ({ personId, distance: Math.sqrt(squared), row }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k);
}

/** Distance from `query` to the closest enrolled face of one person (Infinity when they have none). */
export function distanceToPerson(index: EmbeddingMatrix, personId: number, query: Float32Array): number {
  let best = Infinity;
  for (let row = 0; row < index.count; row++) {
    if (index.personIds[row] !== personId) continue;
    best = Math.min(best, euclidean(index.matrix.subarray(row * index.dim, (row + 1) * index.dim), query));
  }
  return best;
}
