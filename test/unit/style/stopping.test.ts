// The stopping rules of a style stage, on loss sequences and a fake clock: early stopping on a relative
// improvement window, the time budget, how stages share the budget.
import test from 'node:test';
import assert from 'node:assert/strict';
import { jobStopReason, StageStopper, stageBudgetMs } from '../../../engine/style/stopping.ts';

test('converged once the best loss improved by less than epsilon over the window', () => {
  const stopper = new StageStopper({ epsilon: 0.01, window: 3 }, Infinity);
  for (const loss of [100, 50, 30, 20]) stopper.push(loss);
  assert.equal(stopper.stopReason(), null, 'still falling fast');
  for (const loss of [19.95, 19.9, 19.85]) stopper.push(loss);
  assert.equal(stopper.stopReason(), 'converged'); // 20 → 19.85 is 0.75 % over the last 3
  assert.equal(stopper.keepGoing(), false);
});

test('a worse line-search trial does not count as a change: the best loss so far is compared', () => {
  const stopper = new StageStopper({ epsilon: 0.01, window: 2 }, Infinity);
  for (const loss of [100, 80, 500, 60]) stopper.push(loss);
  assert.equal(stopper.stopReason(), null); // best 80 → 60 over the last two
  for (const loss of [900, 59.9]) stopper.push(loss);
  assert.equal(stopper.stopReason(), 'converged'); // best 60 → 59.9
});

test('no early stopping: only the deadline stops a stage', () => {
  let now = 0;
  const stopper = new StageStopper(null, 1000, () => now);
  for (let i = 0; i < 100; i++) stopper.push(5);
  assert.equal(stopper.stopReason(), null);
  now = 1000;
  assert.equal(stopper.stopReason(), 'budget');
  now = 0;
  assert.equal(stopper.stopReason(), 'budget', 'a reason, once found, stays');
});

test('stages share the time left by iterations × pixels; time saved earlier goes to later stages', () => {
  const stages = [
    { width: 256, height: 192, iterations: 150 },
    { width: 512, height: 384, iterations: 150 },
  ];
  assert.equal(stageBudgetMs(stages, 0, 10_000), 2000); // 1 : 4
  assert.equal(stageBudgetMs(stages, 1, 9000), 9000); // the last stage gets all that is left
  assert.equal(stageBudgetMs(stages, 0, Infinity), Infinity);
  assert.equal(stageBudgetMs(stages, 0, -5), 0);
});

test("the job's reason: budget if any stage ran out of time, else its last stage's", () => {
  assert.equal(jobStopReason(['budget', 'converged']), 'budget');
  assert.equal(jobStopReason(['converged', 'iterations']), 'iterations');
  assert.equal(jobStopReason(['iterations', 'converged']), 'converged');
  assert.equal(jobStopReason([]), 'iterations');
});
