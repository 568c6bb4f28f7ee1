// Runs anywhere. Chinese whispers (Biemann 2006), as dlib groups faces: a graph joining every two faces
// within `threshold`, each face starting as its own label and repeatedly taking the label most common
// among its neighbours, visited in a shuffled order. Kept only as the baseline of bench/cluster.bench.ts
// (it chains different people together through look-alikes); the shuffle is seeded, so runs repeat.
import { euclidean } from '../../db/search/exact.ts';
import { mulberry32 } from '../style/rng.ts';

/** Groups of indices, each sorted, ordered by smallest index (as clusterEmbeddings returns them). */
export function chineseWhispers(embeddings: readonly Float32Array[], threshold: number, iterations = 100, seed = 1): number[][] {
  const n = embeddings.length;
  const neighbours: number[][] = embeddings.map(() => []);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      if (euclidean(embeddings[i] as Float32Array, embeddings[j] as Float32Array) <= threshold) {
        (neighbours[i] as number[]).push(j);
        (neighbours[j] as number[]).push(i);
      }
  const labels = Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let round = 0; round < iterations; round++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const node of order) {
      const votes = new Map<number, number>();
      for (const other of neighbours[node] as number[]) {
        const label = labels[other] as number;
        votes.set(label, (votes.get(label) ?? 0) + 1);
      }
      let best = labels[node] as number;
      let bestVotes = 0;
      for (const [label, count] of votes)
        if (count > bestVotes || (count === bestVotes && label < best)) {
          best = label;
          bestVotes = count;
        }
      labels[node] = best;
    }
  }
  const groups = new Map<number, number[]>();
  for (const [i, label] of labels.entries()) groups.set(label, [...(groups.get(label) ?? []), i]);
  return [...groups.values()].sort((a, b) => (a[0] as number) - (b[0] as number));
}
