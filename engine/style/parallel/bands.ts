// Runs anywhere. How a style job's image is cut into horizontal bands, one per worker thread: each band's
// first row is a multiple of 2^pools, so every 2×2 pooling keeps a band's rows inside that band at every
// level of the network (no pooling window straddles two workers).
import { pooledBefore } from '../vgg19.ts';

/** A band's rows at one level of the network: [start, end). */
export interface RowRange {
  start: number;
  end: number;
}

/** Poolings up to and including conv layer `deepest` (4 for block5_*). */
export function poolsUpTo(deepest: number): number {
  let pools = 0;
  for (let i = 0; i <= deepest; i++) if (pooledBefore(i)) pools++;
  return pools;
}

/** Image heights at each pooling level: Keras' 'valid' 2×2 pooling halves and rounds down. */
export function levelHeights(height: number, pools: number): number[] {
  const heights = [height];
  for (let l = 0; l < pools; l++) heights.push(Math.floor((heights[l] ?? 0) / 2));
  return heights;
}

/**
 * Band starts at the input level (rows of the image): `count` bands, as even as the alignment allows, each
 * at least `unit` = 2^pools rows so that no band is empty at the deepest level. Fewer bands when the image
 * is too short for `count`; always at least one.
 */
export function bandStarts(height: number, count: number, pools: number): number[] {
  const unit = 2 ** pools;
  const n = Math.max(1, Math.min(count, Math.floor(height / unit)));
  const starts = [0];
  for (let k = 1; k < n; k++) starts.push(Math.floor((k * height) / n / unit) * unit); // floor: the last band keeps ≥ height/n ≥ unit rows
  return starts;
}

/** Band k's rows at pooling level `level`, given the band starts (input level) and the level heights. */
export function bandRows(starts: readonly number[], k: number, level: number, heights: readonly number[]): RowRange {
  const start = (starts[k] ?? 0) >> level;
  const next = starts[k + 1];
  const end = next === undefined ? (heights[level] ?? 0) : next >> level;
  return { start, end };
}
