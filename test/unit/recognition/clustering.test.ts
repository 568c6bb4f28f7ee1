// Agglomerative clustering of embeddings (engine/recognition/clustering.ts) on synthetic points whose
// right grouping is known; bench/cluster.bench.ts measures it on real faces.
import test from 'node:test';
import assert from 'node:assert/strict';
import { clusterEmbeddings, DEFAULT_CLUSTER_CUT, type Linkage } from '../../../engine/recognition/clustering.ts';
import { euclidean } from '../../../db/search/exact.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { mulberry32 } from '../../../engine/style/rng.ts';

const DIM = 128;

/** A point at `centre` plus uniform noise of up to ±noise on every axis. */
function near(centre: Float32Array, noise: number, random: () => number): Float32Array {
  return centre.map((x) => x + (random() * 2 - 1) * noise);
}

/** A centre on axis `axis` at `length`: centres on different axes are length·√2 apart. */
function onAxis(axis: number, length: number): Float32Array {
  const v = new Float32Array(DIM);
  v[axis] = length;
  return v;
}

/** Merges the closest two groups while they are within the cut, the distance recomputed from the faces each time. */
function bruteForce(points: Float32Array[], cut: number, linkage: Linkage): number[][] {
  let groups = points.map((_, i) => [i]);
  const between = (a: number[], b: number[]) => {
    const ds = a.flatMap((i) => b.map((j) => euclidean(points[i] as Float32Array, points[j] as Float32Array)));
    if (linkage === 'single') return Math.min(...ds);
    if (linkage === 'complete') return Math.max(...ds);
    return ds.reduce((s, d) => s + d, 0) / ds.length;
  };
  for (;;) {
    let best: [number, number, number] | undefined;
    for (let i = 0; i < groups.length; i++)
      for (let j = i + 1; j < groups.length; j++) {
        const d = between(groups[i] as number[], groups[j] as number[]);
        if (d <= cut && (!best || d < best[2])) best = [i, j, d];
      }
    if (!best) break;
    const [i, j] = best;
    const merged = [...(groups[i] as number[]), ...(groups[j] as number[])];
    groups = groups.filter((_, k) => k !== i && k !== j).concat([merged]);
  }
  return groups.map((g) => g.sort((a, b) => a - b)).sort((a, b) => (a[0] as number) - (b[0] as number));
}

test('separated blobs come back as one group each, sorted, ordered by their smallest index; an outlier alone', () => {
  const random = mulberry32(7);
  const centres = [onAxis(0, 1), onAxis(1, 1), onAxis(2, 1)];
  // interleaved: point i belongs to blob i % 3; the last point is far from every blob
  const points = Array.from({ length: 15 }, (_, i) => near(centres[i % 3] as Float32Array, 0.01, random));
  points.push(onAxis(3, 5));
  assert.deepEqual(clusterEmbeddings(points), [[0, 3, 6, 9, 12], [1, 4, 7, 10, 13], [2, 5, 8, 11, 14], [15]]);
});

test('the same input gives the same groups, and shuffling the input only renames them', () => {
  const random = mulberry32(11);
  const centres = Array.from({ length: 6 }, (_, k) => onAxis(k, 0.4));
  const points = Array.from({ length: 60 }, (_, i) => near(centres[i % 6] as Float32Array, 0.03, random));
  const groups = clusterEmbeddings(points, { cut: 0.45 });
  assert.deepEqual(clusterEmbeddings(points, { cut: 0.45 }), groups);
  assert.ok(groups.length > 1 && groups.length < points.length, `a grouping worth comparing: ${groups.length} groups`);

  const order = points.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const shuffled = clusterEmbeddings(
    order.map((i) => points[i] as Float32Array),
    { cut: 0.45 },
  );
  const renamed = shuffled
    .map((g) => g.map((k) => order[k] as number).sort((a, b) => a - b))
    .sort((a, b) => (a[0] as number) - (b[0] as number));
  assert.deepEqual(renamed, groups);
});

test('a chain of look-alikes: single linkage joins its two ends, average linkage does not', () => {
  // 12 points 0.3 apart on a line: each is within the cut of the next, the ends are 3.3 apart.
  const points = Array.from({ length: 12 }, (_, i) => onAxis(0, i * 0.3));
  assert.deepEqual(clusterEmbeddings(points, { cut: 0.35, linkage: 'single' }), [points.map((_, i) => i)]);
  const average = clusterEmbeddings(points, { cut: 0.35 });
  assert.deepEqual(average, [
    [0, 1],
    [2, 3],
    [4, 5],
    [6, 7],
    [8, 9],
    [10, 11],
  ]);
});

test('the nearest-neighbour chain merges exactly as merging the closest pair each time would', () => {
  const random = mulberry32(3);
  for (const linkage of ['average', 'complete', 'single'] as const)
    for (const cut of [0.15, 0.3, 0.5]) {
      // 40 points scattered in a unit cube: groupings of every size, different for each linkage and cut
      const points = Array.from({ length: 40 }, () => {
        const v = new Float32Array(DIM);
        for (let k = 0; k < 3; k++) v[k] = random();
        return v;
      });
      const groups = clusterEmbeddings(points, { cut, linkage });
      assert.deepEqual(groups, bruteForce(points, cut, linkage), `${linkage} at ${cut}`);
      assert.ok(groups.length > 1 || linkage === 'single', `${linkage} at ${cut}: more than one group`);
    }
});

test('no faces, one face, identical faces', () => {
  assert.deepEqual(clusterEmbeddings([]), []);
  assert.deepEqual(clusterEmbeddings([onAxis(0, 1)]), [[0]]);
  assert.deepEqual(clusterEmbeddings([onAxis(0, 1), onAxis(0, 1), onAxis(0, 1)], { cut: 0 }), [[0, 1, 2]]);
  assert.ok(DEFAULT_CLUSTER_CUT > 0 && DEFAULT_CLUSTER_CUT < 1);
});

test('embeddings of different lengths, a NaN or a bad cut: BAD_INPUT naming which', () => {
  const badInput = (pattern: RegExp) => (error: unknown) =>
    isFaceKitError(error) && error.code === 'BAD_INPUT' && pattern.test(error.message);
  assert.throws(
    () => clusterEmbeddings([onAxis(0, 1), new Float32Array(64)]),
    badInput(/embedding 1 has 64 dimensions; embedding 0 has 128/),
  );
  const nan = onAxis(0, 1);
  nan[5] = NaN;
  assert.throws(
    () => clusterEmbeddings([onAxis(0, 1), onAxis(1, 1), nan]),
    badInput(/embedding 2 holds a value that is not a finite number/),
  );
  assert.throws(() => clusterEmbeddings([new Float32Array(0)]), badInput(/embedding 0 has 0 dimensions/));
  assert.throws(() => clusterEmbeddings([onAxis(0, 1)], { cut: -1 }), badInput(/cut must be a distance ≥ 0/));
  assert.throws(() => clusterEmbeddings([onAxis(0, 1)], { cut: NaN }), badInput(/cut must be a distance ≥ 0/));
});
