// Pairwise precision and recall of a grouping (engine/evaluation/cluster-metrics.ts), counted by hand.
import test from 'node:test';
import assert from 'node:assert/strict';
import { pairwiseScores } from '../../../engine/evaluation/cluster-metrics.ts';
import { isFaceKitError } from '../../../api/errors.ts';

// faces 0–3 are Ann's (6 pairs), 4–5 Bob's (1 pair), 6 Cy's: 7 same-person pairs
const labels = ['ann', 'ann', 'ann', 'ann', 'bob', 'bob', 'cy'];

test('the right grouping scores 1 and 1', () => {
  assert.deepEqual(pairwiseScores([[0, 1, 2, 3], [4, 5], [6]], labels), { together: 7, grouped: 7, same: 7, precision: 1, recall: 1 });
});

test('a split person loses recall, a merged pair loses precision', () => {
  // Ann split 3 + 1 (3 of her 6 pairs kept), Bob merged with Cy (1 right pair of 3)
  const s = pairwiseScores([[0, 1, 2], [3], [4, 5, 6]], labels);
  assert.deepEqual([s.together, s.grouped, s.same], [4, 6, 7]);
  assert.equal(s.precision, 4 / 6);
  assert.equal(s.recall, 4 / 7);
});

test('everything in one group: recall 1, precision the share of same-person pairs; everyone alone: nothing claimed', () => {
  const all = pairwiseScores([[0, 1, 2, 3, 4, 5, 6]], labels);
  assert.equal(all.recall, 1);
  assert.equal(all.precision, 7 / 21);
  const alone = pairwiseScores(
    labels.map((_, i) => [i]),
    labels,
  );
  assert.deepEqual([alone.precision, alone.recall], [1, 0]);
  assert.deepEqual(pairwiseScores([], []), { together: 0, grouped: 0, same: 0, precision: 1, recall: 1 });
});

test('an item in two groups, or without a label, is a bug: INTERNAL', () => {
  const internal = (error: unknown) => isFaceKitError(error) && error.code === 'INTERNAL';
  assert.throws(
    () =>
      pairwiseScores(
        [
          [0, 1],
          [1, 2],
        ],
        labels,
      ),
    internal,
  );
  assert.throws(() => pairwiseScores([[0, 9]], labels), internal);
});
