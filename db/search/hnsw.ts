// Runs anywhere. Approximate nearest-neighbour search over embeddings with usearch's HNSW graph
// (native, N-API prebuilds for Linux, macOS and Windows). Knows integer keys and vectors only:
// db/search/face-search.ts decides what goes in, and checks every answer against the store.
import { Index, MetricKind, ScalarKind } from 'usearch';
import { FaceKitError } from '../../api/errors.ts';

// Measured on clustered 128-D faces at 1 M, 2 cores (1000 queries, 10 % strangers): expansion_search
// 256 / 384 / 512 agree with the exact scan's top-1 on 99.5 / 99.8 / 99.9 % of queries in 1.0 / 1.3 /
// 1.8 ms; 512 keeps a margin above 99 % well inside the 5 ms budget. A larger expansion_add or
// connectivity buys little and slows the build (~2 minutes at 1 M). Half floats halve the memory
// (256 bytes a face) at no measurable cost, since db/search/face-search.ts re-scores candidates in float.
const CONNECTIVITY = 16;
const EXPANSION_ADD = 64;
const EXPANSION_SEARCH = 512;

export class HnswIndex {
  readonly dim: number;
  readonly #index: Index;
  /** Removed keys stay in the graph as tombstones until a rebuild. */
  #removed = 0;

  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim <= 0) throw new FaceKitError('INTERNAL', `an index needs a positive dimension (got ${dim})`);
    this.dim = dim;
    this.#index = new Index({
      dimensions: dim,
      metric: MetricKind.L2sq,
      quantization: ScalarKind.F16,
      connectivity: CONNECTIVITY,
      expansion_add: EXPANSION_ADD,
      expansion_search: EXPANSION_SEARCH,
      multi: false,
    });
  }

  /** Live entries. */
  get size(): number {
    return this.#index.size();
  }

  /** Entries removed since the graph was built (they still cost memory and search time). */
  get removed(): number {
    return this.#removed;
  }

  /** Adds rows of a row-major matrix under `keys` (one per row), on every core. */
  add(keys: ArrayLike<number>, matrix: Float32Array): void {
    if (matrix.length !== keys.length * this.dim) {
      throw new FaceKitError('INTERNAL', `${keys.length} keys for a matrix of ${matrix.length / this.dim} rows`);
    }
    if (keys.length === 0) return;
    this.#index.add(BigUint64Array.from(Array.from(keys, BigInt)), matrix, 0);
  }

  /** Removes the key if present; true when it was. */
  remove(key: number): boolean {
    if (!this.#index.contains(BigInt(key))) return false;
    this.#index.remove(BigInt(key));
    this.#removed++;
    return true;
  }

  /** Up to `k` keys, nearest first by the (half-precision) distance. */
  search(query: Float32Array, k: number): number[] {
    if (this.size === 0) return []; // nobody enrolled under this model (any more): every face is unknown
    if (query.length !== this.dim) throw new FaceKitError('INTERNAL', `query has ${query.length} dimensions; the index has ${this.dim}`);
    return Array.from(this.#index.search(query, k, 1).keys, Number);
  }
}
