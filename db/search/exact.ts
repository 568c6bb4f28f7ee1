// Runs anywhere. Nearest-person search over a matrix of embeddings, brute force: ~0.25 µs a face
// (bench/search.bench.ts), so 5 ms at 20 000 faces. It is the reference for, and below that size
// instead of, the HNSW index (db/search/face-search.ts).

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
