// `facekit liveness` and `verify`/`identify --liveness` as users run them: real photos, exit codes, --json.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { expectDefined } from '../../../api/errors.ts';
import { runCli } from '../../helpers/cli.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';
import { LIVENESS_DEFAULT_THRESHOLD, LIVENESS_MODEL } from '../../../engine/faces/liveness.ts';

const dir = tempDir();
const env = { FACEKIT_DB: path.join(dir, 'store.db') };
const cli = (...args: string[]) => runCli(args, env);

test('liveness: real photos are live (exit 0), one line each; --json gives file, live, score, threshold, model', async () => {
  const text = await cli('liveness', photo.obama, photo.kit);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(
    expectDefined(lines[0], 'the first line'),
    new RegExp(
      `^${photo.obama.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: LIVE, score 0\\.\\d{3} \\(threshold ${LIVENESS_DEFAULT_THRESHOLD}, model ${LIVENESS_MODEL}\\)$`,
    ),
  );

  const json = await cli('liveness', photo.obamaAndBiden, '--json');
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(json.json.errors, []);
  const [result] = json.json.results;
  assert.equal(result.file, photo.obamaAndBiden);
  assert.equal(result.live, true);
  assert.equal(result.threshold, LIVENESS_DEFAULT_THRESHOLD);
  assert.equal(result.model, LIVENESS_MODEL);
  assert.ok(result.score > 0 && result.score <= 1);
  assert.ok(result.faceCount >= 2, 'a group photo: the largest face is scored and the count reported');
});

test('liveness: a face under --threshold is refused (exit 1); a bad file or a photo without a face is named (exit 2)', async () => {
  const refused = await cli('liveness', photo.obama, '--threshold', '0.99');
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /: REFUSED, score 0\.\d+ \(threshold 0\.99/);

  const missing = path.join(dir, 'no-such-photo.jpg');
  const bad = await cli('liveness', photo.obama, missing, photo.noFace, '--json');
  assert.equal(bad.code, 2, 'bad input outranks the live photo');
  assert.equal(bad.json.results.length, 1);
  assert.deepEqual(
    bad.json.errors.map((e: { source: string; code: string }) => [e.source, e.code]),
    [
      [missing, 'BAD_INPUT'],
      [photo.noFace, 'NO_FACE'],
    ],
  );
  assert.match(bad.stderr, new RegExp(`${missing}: file not found`));
  assert.match(bad.stderr, /louvre_small\.jpg: no face found/);

  const usage = await cli('liveness', photo.obama, '--threshold', '1.5');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /must be from 0 to 1/);
});

test('liveness: a photo stored sideways with an EXIF orientation is read upright', async () => {
  const sideways = path.join(dir, 'obama-exif6.jpg');
  // Pixels turned a quarter anticlockwise, tag 6 says "turn clockwise to view": upright once honoured.
  await sharp(photo.obama).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(sideways);
  const both = await cli('liveness', photo.obama, sideways, '--json');
  assert.equal(both.code, 0, both.stderr);
  const [upright, turned] = both.json.results;
  assert.ok(Math.abs(turned.score - upright.score) < 0.05, 'same face, same score (bar the re-encoding)');
});

test('verify and identify report liveness only with --liveness', async () => {
  assert.equal((await cli('enroll', 'Barack Obama', photo.obama)).code, 0);
  const plain = await cli('verify', 'Barack Obama', photo.obama2, '--json');
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.json.liveness, undefined);

  const checked = await cli('verify', 'Barack Obama', photo.obama2, '--liveness', '--json');
  assert.equal(checked.code, 0, checked.stderr);
  assert.equal(checked.json.liveness.live, true);
  assert.equal(checked.json.liveness.model, LIVENESS_MODEL);

  const json = await cli('identify', photo.obamaAndBiden, '--liveness', '--json');
  for (const face of json.json.results[0].faces) assert.equal(typeof face.liveness.score, 'number');
});
