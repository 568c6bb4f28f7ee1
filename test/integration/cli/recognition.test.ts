// The facekit command as users run it: real photos, a real store file, exit codes, --json output.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../helpers/cli.ts';
import { badImages, bidenWithObamaBehind, obamaWithBidenBehind, photo, tempDir } from '../../helpers/fixtures.ts';
import { DEFAULT_THRESHOLD } from '../../../engine/recognition/thresholds.ts';

const dir = tempDir();
const env = { FACEKIT_DB: path.join(dir, 'store.db') };
const cli = (...args: string[]) => runCli(args, env);

test('enroll, verify, identify and compare, with --json and exit codes', async () => {
  const enrolled = await cli('enroll', 'Barack Obama', photo.obama, photo.obama2, '--json');
  assert.equal(enrolled.code, 0, enrolled.stderr);
  assert.equal(enrolled.json.faceCount, 2);
  assert.equal(enrolled.stderr, '', 'no progress bar in --json mode');
  assert.equal((await cli('enroll', 'Joe Biden', photo.biden)).code, 0);

  const again = await cli('enroll', 'Barack Obama', photo.obama, '--json');
  assert.equal(again.json.results[0].status, 'already-enrolled');
  assert.equal(again.json.faceCount, 2);

  const match = await cli('verify', 'Barack Obama', photo.obama3, '--json');
  assert.equal(match.code, 0);
  assert.equal(match.json.match, true);
  assert.equal(match.json.threshold, DEFAULT_THRESHOLD);
  assert.equal(typeof match.json.distance, 'number');
  assert.equal(match.json.face.index, 0);

  const noMatch = await cli('verify', 'Joe Biden', photo.obama3);
  assert.equal(noMatch.code, 1);
  assert.match(noMatch.stdout, new RegExp(`^NO MATCH: Joe Biden, distance 0\\.\\d+ \\(threshold ${DEFAULT_THRESHOLD}\\)`));

  const who = await cli('identify', photo.obamaAndBiden, '--json');
  assert.equal(who.code, 0);
  const names = who.json.results[0].faces.map((f: { match: { name: string } | null }) => f.match?.name ?? null);
  assert.deepEqual(names.slice(0, 2), ['Joe Biden', 'Barack Obama']);

  const stranger = await cli('identify', photo.rose);
  assert.equal(stranger.code, 1, 'an unknown face is "no match"');
  assert.match(stranger.stdout, /face 0: unknown/);

  const same = await cli('compare', photo.obama, photo.obama3, '--json');
  assert.equal(same.code, 0);
  assert.equal(same.json.same, true);
  const different = await cli('compare', photo.obama, photo.biden);
  assert.equal(different.code, 1);
  assert.match(different.stdout, /DIFFERENT PEOPLE/);
});

test('people list, rename, merge and remove', async () => {
  await cli('enroll', 'Joe', photo.biden2);
  assert.equal((await cli('people', 'merge', 'Joe', 'Joe Biden')).code, 0);
  assert.equal((await cli('people', 'rename', 'Joe Biden', 'Joseph Biden')).code, 0);
  const list = await cli('people', 'list', '--json');
  assert.deepEqual(
    list.json.people.map((p: { name: string; faceCount: number }) => [p.name, p.faceCount]),
    [
      ['Barack Obama', 2],
      ['Joseph Biden', 2],
    ],
  );
  const removed = await cli('people', 'remove', 'Joseph Biden', '--json');
  assert.equal(removed.json.faces, 2);
  assert.equal((await cli('verify', 'Joseph Biden', photo.biden)).code, 1, 'an unknown person is "not found"');
  assert.equal((await cli('people', 'rename', 'Nobody', 'X')).code, 1);
});

test('hostile files: exit 2, one line naming the file and the reason, the store untouched', async () => {
  const before = (await cli('people', 'list', '--json')).json;
  for (const bad of badImages(tempDir())) {
    for (const args of [
      ['enroll', 'Mallory', bad.file],
      ['verify', 'Barack Obama', bad.file],
      ['identify', bad.file],
    ]) {
      const result = await cli(...args);
      assert.equal(result.code, 2, `${bad.name} / ${args[0]}: ${result.stderr}`);
      const lines = result.stderr.trim().split('\n');
      const message = lines.find((l) => l.includes(bad.file));
      assert.ok(message, `${bad.name} / ${args[0]}: the file is named: ${result.stderr}`);
      assert.match(message, bad.reason);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
  }
  assert.deepEqual((await cli('people', 'list', '--json')).json, before);
});

test('usage errors exit 2; an image without a face is bad input', async () => {
  assert.equal((await cli('verify', 'Barack Obama')).code, 2);
  assert.equal((await cli('identify', photo.obama, '--top', 'many')).code, 2);
  assert.equal((await cli('frobnicate')).code, 2);
  const noFace = await cli('verify', 'Barack Obama', photo.noFace);
  assert.equal(noFace.code, 2);
  assert.match(noFace.stderr, /louvre_small\.jpg: no face found/);
});

test('the CLI adds its own hint to what the engine says, on stderr and in --json', async () => {
  const group = await cli('enroll', 'Hint Test', photo.obamaAndBiden);
  assert.equal(group.code, 2);
  assert.match(
    group.stderr,
    /^facekit: .*obama_and_biden\.jpg: \d faces found \(0 at x=\d+, 1 at x=\d+.*\) and none is clearly the person's: .*; choose one with --face N$/m,
  );
  const asJson = await cli('enroll', 'Hint Test', photo.obamaAndBiden, '--json');
  assert.deepEqual(Object.keys(asJson.json.errors[0]), ['source', 'code', 'message'], 'the JSON fields stay as they were');
  assert.equal(asJson.json.errors[0].code, 'MULTIPLE_FACES');
  assert.match(asJson.json.errors[0].message, /; choose one with --face N$/);

  const blurred = path.join(dir, 'blurred.jpg');
  await sharp(photo.biden).blur(16).jpeg().toFile(blurred);
  const poor = await cli('enroll', 'Hint Test', blurred);
  assert.equal(poor.code, 2);
  assert.match(poor.stderr, /blurred\.jpg: face is too blurred .* \(use --allow-low-quality to enrol anyway\)$/m);
  assert.equal((await cli('enroll', 'Hint Test', blurred, '--allow-low-quality')).code, 0, 'and the hint works');
  assert.equal((await cli('people', 'remove', 'Hint Test')).code, 0);
});

test('enroll: the dominant face of a photo of several, checked against the person; --face largest|N to choose', async () => {
  const inFront = await cli('enroll', 'Barack Obama', await obamaWithBidenBehind(path.join(dir, 'obama-in-front.jpg')));
  assert.equal(inFront.code, 0, inFront.stderr);
  assert.match(inFront.stdout, /enrolled: .*obama-in-front\.jpg \(face 1 of 2, the dominant face\)/);
  const someoneElse = path.join(dir, 'biden-in-front.jpg');
  await bidenWithObamaBehind(someoneElse);
  const refused = await cli('enroll', 'Barack Obama', someoneElse, '--json');
  assert.equal(refused.code, 2);
  assert.equal(refused.json.errors[0].code, 'NOT_SAME_PERSON');
  assert.match(
    refused.stderr,
    /biden-in-front\.jpg: not the same person as the other photos: .*; if it is them, choose it with --face N$/m,
  );
  // The person who is asked for gets it: the same photo for someone new, or with --face.
  const largest = await cli('enroll', 'Big Face', someoneElse, '--face', 'largest', '--json');
  assert.equal(largest.code, 0, largest.stderr);
  assert.equal(largest.json.results[0].face.index, 1);
  assert.equal(largest.json.results[0].chosen, 'given');
  assert.equal((await cli('enroll', 'Big Face', someoneElse, '--face', 'biggest')).code, 2, 'a bad --face is a usage error');
  assert.equal((await cli('people', 'remove', 'Big Face')).code, 0);
});

test('doctor reports the backend, why faster ones were skipped, the models and the store', async () => {
  const doctor = await cli('doctor', '--json');
  assert.equal(doctor.code, 0, doctor.stderr);
  assert.ok(['gpu', 'node', 'wasm', 'cpu'].includes(doctor.json.backend.name));
  const skipped = doctor.json.backend.attempts.filter((a: { ok: boolean }) => !a.ok);
  for (const attempt of skipped) assert.ok(attempt.reason.length > 5, 'each skipped backend says why');
  assert.ok(doctor.json.faceModels.files.every((f: { found: boolean }) => f.found));
  assert.equal(doctor.json.store.schemaVersion >= 1, true);
  const forced = await runCli(['doctor', '--json'], { ...env, FACEKIT_BACKEND: 'cpu' });
  assert.equal(forced.json.backend.name, 'cpu');
  assert.equal(forced.json.backend.forced, true);
  const wrong = await runCli(['doctor'], { ...env, FACEKIT_BACKEND: 'tpu' });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /FACEKIT_BACKEND=tpu is not a backend/);
});
