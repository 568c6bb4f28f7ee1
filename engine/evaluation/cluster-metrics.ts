// Runs anywhere. Pairwise scores of a grouping against true labels (bench/cluster.bench.ts): every
// pair of items is either grouped together or not, and either of one person or not. Precision: of the
// pairs grouped together, the share that are one person's; recall: of one person's pairs, the share
// grouped together. Counted per group and per label, so it stays O(n) for thousands of faces.
import { FaceKitError } from '../../api/errors.ts';

export interface PairwiseScores {
  /** Pairs grouped together that are of the same person (true positives). */
  together: number;
  /** All pairs grouped together. */
  grouped: number;
  /** All same-person pairs. */
  same: number;
  /** together / grouped; 1 when nothing is grouped (no pair claimed, none wrong). */
  precision: number;
  /** together / same; 1 when nobody has two faces. */
  recall: number;
}

const pairsOf = (n: number) => (n * (n - 1)) / 2;

function countPairs<K>(keys: Iterable<K>): number {
  const counts = new Map<K, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  let pairs = 0;
  for (const n of counts.values()) pairs += pairsOf(n);
  return pairs;
}

/** `groups`: item indices (each item in at most one group; items in none count as alone). `labels[i]`: item i's person. */
export function pairwiseScores(groups: readonly (readonly number[])[], labels: readonly string[]): PairwiseScores {
  const seen = new Set<number>();
  let grouped = 0;
  let together = 0;
  for (const group of groups) {
    for (const i of group) {
      if (labels[i] === undefined) throw new FaceKitError('INTERNAL', `item ${i} of a group has no label (${labels.length} labels)`);
      if (seen.has(i)) throw new FaceKitError('INTERNAL', `item ${i} is in two groups`);
      seen.add(i);
    }
    grouped += pairsOf(group.length);
    together += countPairs(group.map((i) => labels[i]));
  }
  const same = countPairs(labels);
  return {
    together,
    grouped,
    same,
    precision: grouped ? together / grouped : 1,
    recall: same ? together / same : 1,
  };
}
