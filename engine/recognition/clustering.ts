// Runs anywhere (pure TypeScript, no tfjs). Groups face embeddings into people without being told how
// many: agglomerative clustering with a distance cut. Average linkage by default — measured on LFW fold 1
// (bench/cluster.bench.ts), Chinese whispers or single linkage at the verification threshold chain
// different people together through look-alikes; the average over two groups' faces does not.
import { FaceKitError } from '../../api/errors.ts';
import { euclidean } from '../../db/search/exact.ts';

/** How the distance between two groups follows from the distances between their faces. */
export type Linkage = 'average' | 'complete' | 'single';

export interface ClusterOptions {
  /** Groups closer than or at this distance are merged (Euclidean, on the 128-D embeddings). */
  cut?: number;
  /** Average by default; the others are kept to measure against (bench/cluster.bench.ts). */
  linkage?: Linkage;
}

/**
 * Chosen on LFW fold 1 (805 faces of 435 people, bench/cluster.bench.ts): pairwise precision 0.968 and
 * recall 0.815 (the aims: ≥ 0.95, ≥ 0.80). Only 0.50–0.51 meets both — 0.48 keeps precision 0.988 but
 * recall falls to 0.71, 0.52 reaches 0.89 but precision falls to 0.94 — and merging two visitors is
 * worse than splitting one, so the lower, round end. Below the verification threshold (0.62): a group
 * is judged on all its faces at once; at a cut of 0.60 precision falls to 0.62.
 */
export const DEFAULT_CLUSTER_CUT = 0.5;

function checkEmbeddings(embeddings: readonly Float32Array[]): void {
  const dim = embeddings[0]?.length;
  for (const [i, e] of embeddings.entries()) {
    if (e.length !== dim || dim === 0)
      throw new FaceKitError('BAD_INPUT', `embedding ${i} has ${e.length} dimensions; embedding 0 has ${dim}`, {
        details: { index: i, dimensions: e.length, expected: dim ?? 0 },
      });
    if (!e.every(Number.isFinite))
      throw new FaceKitError('BAD_INPUT', `embedding ${i} holds a value that is not a finite number`, { details: { index: i } });
  }
}

/** The Lance–Williams update: the distance from group k to the union of groups a (na faces) and b (nb faces). */
function mergedDistance(linkage: Linkage, dka: number, dkb: number, na: number, nb: number): number {
  if (linkage === 'single') return Math.min(dka, dkb);
  if (linkage === 'complete') return Math.max(dka, dkb);
  return (na * dka + nb * dkb) / (na + nb);
}

/**
 * Groups of input indices: each group sorted ascending, groups ordered by their smallest index; a face
 * alone is a group of one. Deterministic; independent of input order up to index renaming (ties apart).
 *
 * The nearest-neighbour chain algorithm (Murtagh 1983): O(n²) time and one n×n distance matrix. It
 * follows each group to its nearest neighbour until two groups are each other's nearest, and merges
 * them; for these linkages that yields the same merges as always merging the globally closest pair.
 * A group whose nearest neighbour is beyond the cut is final: merging others never brings them closer.
 */
export function clusterEmbeddings(embeddings: readonly Float32Array[], options: ClusterOptions = {}): number[][] {
  const cut = options.cut ?? DEFAULT_CLUSTER_CUT;
  const linkage = options.linkage ?? 'average';
  if (!Number.isFinite(cut) || cut < 0)
    throw new FaceKitError('BAD_INPUT', `the cluster cut must be a distance ≥ 0, not ${cut}`, { details: { cut } });
  checkEmbeddings(embeddings);
  const n = embeddings.length;

  // distance[i * n + j] between the groups held in slots i and j; a merged group keeps the smaller slot.
  const distance = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d = euclidean(embeddings[i] as Float32Array, embeddings[j] as Float32Array);
      distance[i * n + j] = d;
      distance[j * n + i] = d;
    }
  const at = (i: number, j: number) => distance[i * n + j] as number;

  const members: number[][] = embeddings.map((_, i) => [i]);
  const open = new Set<number>(members.keys()); // slots still able to merge, in ascending order
  const done: number[][] = [];
  const chain: number[] = [];

  while (open.size > 0) {
    if (!chain.length) chain.push(open.values().next().value as number);
    const top = chain.at(-1) as number;
    const previous = chain.at(-2);
    // The previous link wins a tie, so the chain cannot cycle; otherwise the smallest slot does.
    let nearest = previous ?? -1;
    let nearestDistance = previous === undefined ? Infinity : at(top, previous);
    for (const other of open) {
      if (other === top) continue;
      const d = at(top, other);
      if (d < nearestDistance) {
        nearest = other;
        nearestDistance = d;
      }
    }
    if (nearest < 0 || nearestDistance > cut) {
      chain.pop();
      open.delete(top);
      done.push(members[top] as number[]);
      continue;
    }
    if (nearest !== previous) {
      chain.push(nearest);
      continue;
    }
    // top and previous are each other's nearest: merge them into the smaller slot.
    chain.length -= 2;
    const [keep, drop] = top < nearest ? [top, nearest] : [nearest, top];
    const kept = members[keep] as number[];
    const dropped = members[drop] as number[];
    for (const k of open) {
      if (k === keep || k === drop) continue;
      const d = mergedDistance(linkage, at(k, keep), at(k, drop), kept.length, dropped.length);
      distance[k * n + keep] = d;
      distance[keep * n + k] = d;
    }
    members[keep] = kept.concat(dropped);
    open.delete(drop);
  }

  return done.map((group) => group.sort((a, b) => a - b)).sort((a, b) => (a[0] as number) - (b[0] as number));
}
