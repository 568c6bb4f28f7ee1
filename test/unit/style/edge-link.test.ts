// The shared-memory link two neighbouring style bands swap edge rows through (engine/style/parallel/edge-link.ts).
// One thread plays both sides: a receive whose step is already published does not block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLinkBuffer, EdgeLink, StopFlag } from '../../../engine/style/parallel/edge-link.ts';

function pair(maxFloats: number): { top: EdgeLink; bottom: EdgeLink; stop: StopFlag } {
  const stop = new StopFlag();
  const buffer = createLinkBuffer(maxFloats);
  // Band k holds the link as its 'below', band k + 1 as its 'above': two views of one buffer.
  return { top: new EdgeLink(buffer, stop), bottom: new EdgeLink(buffer, new StopFlag(stop.buffer)), stop };
}

test('rows cross in both directions, each step in its own slot', () => {
  const { top, bottom } = pair(4);
  top.send('down', 0, Float32Array.of(1, 2, 3));
  bottom.send('up', 0, Float32Array.of(4, 5, 6));
  // Step 1 lands in the other slot: step 0's rows are still there for a slow reader.
  top.send('down', 1, Float32Array.of(7, 8, 9));
  assert.deepEqual([...bottom.receive('down', 0, 3)], [1, 2, 3]);
  assert.deepEqual([...top.receive('up', 0, 3)], [4, 5, 6]);
  assert.deepEqual([...bottom.receive('down', 1, 3)], [7, 8, 9]);
});

test('a received row is a copy: the next write does not change it', () => {
  const { top, bottom } = pair(2);
  top.send('down', 0, Float32Array.of(1, 2));
  const row = bottom.receive('down', 0, 2);
  top.send('down', 2, Float32Array.of(9, 9));
  assert.deepEqual([...row], [1, 2]);
});

test('a reader waiting for a row that will not come stops when the flag rises', () => {
  const { bottom, stop } = pair(2);
  stop.raise();
  assert.throws(() => bottom.receive('down', 0, 2), { code: 'CANCELLED' });
  stop.lower();
  assert.equal(stop.raised, false);
});

test('a row wider than the link was made for is refused, not written past its slot', () => {
  const { top } = pair(2);
  assert.throws(() => top.send('down', 0, new Float32Array(3)), { code: 'INTERNAL' });
});
