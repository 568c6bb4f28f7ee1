// The style limits are defined once (api/style-limits.ts): the style.start schema and the engine read
// them, and the app's ranges lie within what the engine accepts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../../api/definition.ts';
import { APP_STYLE_LIMITS, STYLE_LIMITS } from '../../../api/style-limits.ts';

const image = { bytes: new Uint8Array([1]), name: 'a.jpg' };
const start = (settings: object, styles = 1) =>
  parseArgs('style.start', { content: image, styles: Array.from({ length: styles }, () => image), settings });
const refused = (fn: () => unknown, field: RegExp) =>
  assert.throws(fn, (e: unknown) => (e as { code?: string }).code === 'BAD_INPUT' && field.test((e as Error).message));

test('style.start accepts exactly the app limits', () => {
  const { size, iterations, styleImages } = APP_STYLE_LIMITS;
  start({ size: size.min, iterations: iterations.max }, styleImages.max);
  start({ size: size.max, iterations: iterations.min, seed: STYLE_LIMITS.seed.max });
  refused(() => start({ size: size.max + 1 }), /settings\.size/);
  refused(() => start({ size: size.min - 1 }), /settings\.size/);
  refused(() => start({ iterations: iterations.max + 1 }), /settings\.iterations/);
  refused(() => start({ seed: STYLE_LIMITS.seed.max + 1 }), /settings\.seed/);
  refused(() => start({}, styleImages.max + 1), /styles/);
});

test("the app's ranges lie within the engine's", () => {
  for (const key of ['size', 'iterations', 'styleImages'] as const) {
    assert.ok(APP_STYLE_LIMITS[key].min >= STYLE_LIMITS[key].min && APP_STYLE_LIMITS[key].max <= STYLE_LIMITS[key].max, key);
  }
});
