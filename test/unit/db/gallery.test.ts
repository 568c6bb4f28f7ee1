// The style-transfer gallery table: a real SQLite file.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Store } from '../../../db/store.ts';
import type { NewGalleryItem } from '../../../db/gallery.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { tempDir } from '../../helpers/fixtures.ts';

const item = (outputPath: string): NewGalleryItem => ({
  outputPath,
  width: 400,
  height: 300,
  contentPath: '/photos/louvre.jpg',
  contentSha256: 'a'.repeat(64),
  styles: [{ path: '/art/monet.jpg', sha256: 'b'.repeat(64), weight: 1 }],
  params: { preset: 'course', seed: 7, alpha: 10 },
  timings: { totalMs: 1234 },
  iterations: 200,
  msPerIteration: 6.17,
  lossFirst: 1e9,
  lossLast: 2e7,
  identityDistance: null,
  backend: 'wasm',
  thumbnail: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
});

test('results are kept with their parameters, references, timings and thumbnail, newest first', () => {
  const store = Store.open(path.join(tempDir(), 'g.db'));
  const first = store.gallery.add(item('/out/one.png'));
  const second = store.gallery.add({ ...item('/out/two.png'), lossLast: Number.NaN });
  assert.deepEqual(
    store.gallery.list().map((g) => g.outputPath),
    ['/out/two.png', '/out/one.png'],
  );
  assert.deepEqual(first.params, { preset: 'course', seed: 7, alpha: 10 });
  assert.equal(first.styles[0]?.weight, 1);
  assert.equal(second.lossLast, null, 'NaN is stored as NULL');
  const thumbnail = store.gallery.thumbnail(first.id);
  assert.ok(thumbnail, 'the thumbnail is kept');
  assert.deepEqual([...thumbnail], [0x89, 0x50, 0x4e, 0x47]);
  store.gallery.remove(first.id);
  assert.throws(
    () => store.gallery.get(first.id),
    (e: unknown) => isFaceKitError(e, 'NOT_FOUND'),
  );
  assert.throws(() => store.gallery.add({ ...item('/x.png'), contentSha256: 'short' }), /CHECK constraint/);
  assert.equal(store.gallery.list().length, 1);
  store.close();
});
