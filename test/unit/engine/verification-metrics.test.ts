import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bestThreshold,
  crossValidatedAccuracy,
  ratesAt,
  rocPoints,
  summarizeVerification,
  tarAtFar,
  type ScoredPair,
} from '../../../engine/evaluation/verification-metrics.ts';

const same = (distance: number | null): ScoredPair => ({ distance, same: true });
const different = (distance: number | null): ScoredPair => ({ distance, same: false });

test('the best threshold separates the classes and counts missing faces as errors', () => {
  const pairs = [same(0.3), same(0.4), same(null), different(0.7), different(0.8)];
  const best = bestThreshold(pairs);
  assert.ok(best);
  assert.ok(best.threshold > 0.4 && best.threshold < 0.7, `threshold ${best.threshold}`);
  assert.equal(best.accuracy, 4 / 5);
  assert.equal(bestThreshold([same(null)]), null);
});

test('the ROC climbs from (0, 0) to (1, 1) when every face was found', () => {
  const pairs = [same(0.2), different(0.5), same(0.6), different(0.9)];
  const roc = rocPoints(pairs);
  assert.deepEqual(roc.at(0), { threshold: 0, tar: 0, far: 0 });
  assert.deepEqual(roc.at(-1), { threshold: 0.9, tar: 1, far: 1 });
  assert.deepEqual(
    roc.map((p) => [p.tar, p.far]),
    [
      [0, 0],
      [0.5, 0],
      [0.5, 0.5],
      [1, 0.5],
      [1, 1],
    ],
  );
});

test('TAR at a FAR below one false accept is the share of same pairs under the nearest stranger', () => {
  const pairs = [same(0.2), same(0.3), same(0.55), same(0.7), different(0.5), different(0.9)];
  assert.deepEqual(tarAtFar(pairs, 0.001), { tar: 0.5, threshold: 0.3 });
  assert.deepEqual(tarAtFar(pairs, 0.5), { tar: 1, threshold: 0.7 });
});

test('FAR and FRR at a threshold; an undetected same pair is a false reject', () => {
  const rates = ratesAt([same(0.2), same(null), different(0.5), different(0.9)], 0.6);
  assert.deepEqual(rates, { far: 0.5, frr: 0.5 });
});

test('cross-validation tests each fold with a threshold chosen on the others', () => {
  const pairs: ScoredPair[] = [];
  for (let i = 0; i < 50; i++) pairs.push(same(0.3 + (i % 7) * 0.03));
  for (let i = 0; i < 50; i++) pairs.push(different(0.7 + (i % 5) * 0.05));
  const cv = crossValidatedAccuracy(pairs, 10);
  assert.equal(cv.folds, 10);
  assert.equal(cv.accuracy, 1);
  assert.equal(cv.std, 0);
  for (const t of cv.thresholds) assert.ok(t > 0.48 && t < 0.7, `threshold ${t}`);

  // One same pair far out: the fold holding it loses one of its ten pairs.
  pairs[0] = same(1.5);
  const noisy = crossValidatedAccuracy(pairs, 10);
  assert.ok(Math.abs(noisy.accuracy - 0.99) < 1e-9, `accuracy ${noisy.accuracy}`);
});

test('the summary of a run: every figure over the same pairs, an undetected pair an error in each', () => {
  const pairs = [same(0.2), same(0.4), same(null), different(0.5), different(0.9)];
  const summary = summarizeVerification(pairs, 0.45);
  assert.deepEqual(summary.bestThreshold, bestThreshold(pairs));
  assert.deepEqual(summary.roc, rocPoints(pairs));
  assert.deepEqual(summary.farFrr, { threshold: 0.45, far: 0, frr: 1 / 3 });
  assert.deepEqual(
    summary.tarAtFar.map((t) => t.far),
    [0.001, 0.01],
  );
  assert.deepEqual(summary.tarAtFar[0], { far: 0.001, ...tarAtFar(pairs, 0.001) });
  assert.equal(summary.crossValidated.folds, 5, 'no more folds than pairs');
  assert.deepEqual(summary.roc.at(-1), { threshold: 0.9, tar: 2 / 3, far: 1 }, 'the undetected same pair keeps the ROC under TAR 1');
});
