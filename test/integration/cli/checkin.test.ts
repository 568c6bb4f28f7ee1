// `facekit checkin` (the kiosk over frames read from files) and `facekit checkins list|export` as users run
// them, in SQLite mode: real photos through the real models, the real store, exit codes, --json and the CSV.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../../db/store.ts';
import { dayBound, checkinBounds } from '../../../engine/recognition/checkin-log.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { runCli } from '../../helpers/cli.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';

const dir = tempDir();
const db = path.join(dir, 'store.db');
const cli = (...args: string[]) => runCli(args, { FACEKIT_DB: db, FACEKIT_KIOSK: 'front-door' });
const NAME = 'Barack Obama';
const FRAMES = [photo.obama, photo.obama2, photo.obama3];

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function storedCheckins(): { personName: string; source: string }[] {
  const store = Store.open(db);
  try {
    return store.listCheckins();
  } finally {
    store.close();
  }
}

test('checkin: three frames of an enrolled person check them in once; again within the cool-down, no one', async () => {
  const enrolled = await cli('enroll', NAME, photo.obama);
  assert.equal(enrolled.code, 0, enrolled.stderr);

  const first = await cli('checkin', ...FRAMES, '--json');
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.json.mode, 'sqlite');
  assert.equal(first.json.kiosk, 'front-door');
  assert.equal(first.json.frames.length, 3);
  for (const frame of first.json.frames) assert.equal(frame.faces[0]?.name, NAME, `${frame.source} is recognised`);
  assert.equal(first.json.checkins.length, 1);
  assert.equal(first.json.checkins[0].personName, NAME);
  assert.equal(first.json.checkins[0].status, 'checked-in');
  assert.equal(first.json.checkins[0].frame, photo.obama3, 'the third frame completes the streak');
  assert.ok(first.json.checkins[0].distance <= first.json.rules.threshold);
  assert.equal(first.json.rules.liveness.passive, true, 'the passive check follows the setting (on)');
  assert.equal(first.json.challenge.asked, false);

  // Within the (default, 300 s) cool-down: recognised, not checked in, and said why.
  const again = await cli('checkin', ...FRAMES);
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stdout, new RegExp(`not checked in: ${NAME} was checked in within the cool-down \\(300 s\\)`));
  assert.match(again.stderr, /active liveness challenge is not asked/);
  assert.deepEqual(
    storedCheckins().map((c) => [c.personName, c.source]),
    [[NAME, 'kiosk']],
  );
});

test('checkin: an unreadable frame is named, exit 2, and nothing is written', async () => {
  const bad = path.join(dir, 'frame-2.jpg');
  fs.writeFileSync(bad, Buffer.from('not a jpeg at all'));
  const result = await cli('checkin', photo.obama, bad, photo.obama3, '--cooldown', '0', '--required-frames', '2');
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a supported image`));
  assert.equal(storedCheckins().length, 1, 'the good frames around it were not used either');
});

test('checkins list and export: the log as JSON and as the app’s CSV, filtered; bad dates exit 2 with the reason', async () => {
  const listed = await cli('checkins', 'list', '--person', NAME, '--json');
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.json.count, 1);
  assert.equal(listed.json.checkins[0].personName, NAME);
  assert.equal(listed.json.checkins[0].kind, 'checkin');

  const csv = path.join(dir, 'out', 'checkins.csv');
  fs.mkdirSync(path.dirname(csv));
  const today = new Date().toISOString().slice(0, 10);
  const exported = await cli('checkins', 'export', csv, '--from', today, '--to', today);
  assert.equal(exported.code, 0, exported.stderr);
  const lines = fs.readFileSync(csv, 'utf8').split('\r\n');
  assert.equal(lines[0], 'time,person,distance,source');
  assert.match(lines[1] ?? '', new RegExp(`^${today}T[\\d:.]+Z,${NAME},0\\.\\d{4},kiosk$`));
  assert.deepEqual(lines.slice(2), ['']);
  assert.deepEqual(fs.readdirSync(path.dirname(csv)), ['checkins.csv'], 'no work file left beside it');

  const badDate = await cli('checkins', 'export', path.join(dir, 'never.csv'), '--from', '2026-02-30');
  assert.equal(badDate.code, 2, badDate.stderr);
  assert.match(badDate.stderr, /--from: "2026-02-30" is not a date/);
  assert.equal(fs.existsSync(path.join(dir, 'never.csv')), false);
});

test('dayBound / checkinBounds: whole UTC days, real calendar days only, from before to', () => {
  assert.equal(dayBound('2026-11-29', false, 'from'), '2026-11-29T00:00:00.000Z');
  assert.equal(dayBound('2026-11-29', true, 'to'), '2026-11-30T00:00:00.000Z');
  assert.equal(dayBound('2026-11-29T08:30:00Z', true, 'to'), '2026-11-29T08:30:00.000Z');
  for (const bad of ['2026-13-01', '29/11/2026', 'yesterday', '2026-11-31'])
    assert.throws(
      () => dayBound(bad, false, 'from'),
      (e: unknown) => isFaceKitError(e, 'BAD_INPUT'),
      bad,
    );
  assert.throws(
    () => checkinBounds({ from: '2026-11-30', to: '2026-11-29' }),
    (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /not before/.test(e.message),
  );
  assert.deepEqual(checkinBounds({ from: '2026-11-29', to: '2026-11-29' }), {
    since: '2026-11-29T00:00:00.000Z',
    until: '2026-11-30T00:00:00.000Z',
  });
});
