import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALIBRATION, KIOSK_THRESHOLD, operatingPointAt, VERIFY_THRESHOLD } from '../../../api/threshold-calibration.ts';

test('the Settings figures read the calibration between its points, and its ends outside them', () => {
  const points = CALIBRATION.points;
  const [a, b] = [points[3], points[4]];
  assert.ok(a && b);
  const middle = operatingPointAt((a.threshold + b.threshold) / 2);
  assert.ok(middle);
  assert.ok(Math.abs(middle.frr - (a.frr + b.frr) / 2) < 1e-9 && Math.abs(middle.far - (a.far + b.far) / 2) < 1e-9);
  assert.deepEqual(operatingPointAt(a.threshold), a);
  assert.deepEqual(operatingPointAt(0.1), points[0]);
  assert.deepEqual(operatingPointAt(1.5), points.at(-1));
  assert.equal(operatingPointAt(Number.NaN), undefined);
  // The shipped thresholds lie inside the measured range, with their figures.
  for (const t of [VERIFY_THRESHOLD, KIOSK_THRESHOLD]) assert.equal(operatingPointAt(t)?.threshold, t);
  // FAR never falls and FRR never rises as the threshold grows.
  for (const [i, p] of points.entries()) {
    const next = points[i + 1];
    if (next) assert.ok(next.far >= p.far && next.frr <= p.frr, `${p.threshold} → ${next.threshold}`);
  }
});
