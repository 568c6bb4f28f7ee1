// `facekit enroll-folder`: a folder per person, worker threads analysing, one writer; the dominant face
// of a photo of several, checked against the person's other photos; the account at the end (summary,
// --json files per outcome, --report CSV) and the exit code.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../helpers/cli.ts';
import { FACES, bidenWithObamaBehind, obamaWithBidenBehind, photo, tempDir } from '../../helpers/fixtures.ts';

const dir = tempDir();
const db = path.join(dir, 'store.db');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Splits the report's CSV (no quoted newlines in it) into rows of cells. */
function readCsv(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .trimEnd()
    .split('\r\n')
    .map((line) =>
      (line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []).map((cell) => cell.replace(/,$/, '').replace(/^"|"$/g, '').replaceAll('""', '"')),
    )
    .map((cells) => cells.filter((_, i) => i < 4));
}

test('enrols everyone with two workers, is idempotent, and reports a bad photo without stopping', async () => {
  const root = path.join(dir, 'people');
  fs.cpSync(path.join(FACES, 'knn_examples', 'train'), root, { recursive: true });
  fs.writeFileSync(path.join(root, 'biden', 'scan.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));

  const first = await runCli(['--db', db, '--json', 'enroll-folder', root, '--workers', '2']);
  assert.equal(first.code, 4, `a skipped photo: exit 4. ${first.stderr}`);
  assert.equal(first.json.workers, 2);
  assert.equal(first.json.photos, 10);
  assert.equal(first.json.results.length, 9);
  assert.deepEqual(
    first.json.errors.map((e: { source: string; code: string }) => [path.basename(e.source), e.code]),
    [['scan.jpg', 'BAD_INPUT']],
  );
  assert.equal(first.json.summary.counts.added, 9);
  assert.equal(first.json.summary.counts.unreadable, 1);
  assert.deepEqual(first.json.files.unreadable, [path.join(root, 'biden', 'scan.jpg')]);
  assert.match(first.stderr, /scan\.jpg: /);

  const people = await runCli(['--db', db, '--json', 'people', 'list']);
  assert.deepEqual(people.json.people.map((p: { name: string }) => p.name).sort(), [
    'alex_lacamoire',
    'biden',
    'kit_harington',
    'obama',
    'rose_leslie',
  ]);

  fs.rmSync(path.join(root, 'biden', 'scan.jpg'));
  const again = await runCli(['--db', db, '--json', 'enroll-folder', root]);
  assert.equal(again.code, 0, `every photo enrolled or already: exit 0. ${again.stderr}`);
  assert.ok(again.json.results.every((r: { status: string }) => r.status === 'already-enrolled'));
  assert.equal(again.json.summary.counts['already-enrolled'], 9);
  assert.equal(again.json.summary.skipped, 0);
});

test('photos of several faces: the dominant one if it is the person, never someone else; an account of every photo', async () => {
  const root = path.join(dir, 'collection');
  const obama = path.join(root, 'Barack Obama');
  const biden = path.join(root, 'Joe Biden');
  const rose = path.join(root, '=Rose Leslie'); // a name a spreadsheet would run as a formula
  const kit = path.join(root, 'Kit Harington');
  for (const folder of [obama, biden, rose, kit]) fs.mkdirSync(folder, { recursive: true });
  fs.copyFileSync(photo.obama, path.join(obama, '1-portrait.jpg'));
  fs.copyFileSync(photo.obama2, path.join(obama, '2-portrait.jpg'));
  await obamaWithBidenBehind(path.join(obama, '3-with-someone-behind.jpg')); // his face dominates: enrolled
  await bidenWithObamaBehind(path.join(obama, '4-someone-else-in-front.jpg')); // Biden's face dominates: skipped
  fs.copyFileSync(photo.obamaAndBiden, path.join(obama, '5-group.jpg')); // none dominant, one of them is him: enrolled
  fs.copyFileSync(photo.biden, path.join(biden, 'biden.jpg'));
  fs.writeFileSync(path.join(biden, 'scan.jpg'), 'not a photo');
  fs.copyFileSync(photo.rose, path.join(rose, 'rose.jpg'));
  fs.copyFileSync(photo.group3, path.join(rose, 'strangers.jpg')); // three faces, none dominant, none her
  fs.copyFileSync(photo.noFace, path.join(rose, 'louvre.jpg'));
  fs.copyFileSync(photo.kit, path.join(kit, 'kit.jpeg'));
  await sharp(photo.biden).blur(16).jpeg().toFile(path.join(kit, 'very-blurred.jpg')); // sharpness ≈ 3: refused (whoever it is)

  const db = path.join(dir, 'collection.db'); // its own store: the fixtures of the test above are enrolled under other names
  const report = path.join(dir, 'report.csv');
  const run = await runCli(['--db', db, '--json', 'enroll-folder', root, '--report', report]);
  assert.equal(run.code, 4, run.stderr);
  const counts = run.json.summary.counts;
  assert.deepEqual(
    { added: counts.added, already: counts['already-enrolled'], skipped: run.json.summary.skipped },
    { added: 7, already: 0, skipped: 5 },
  );
  const names = (list: string[]) => list.map((f) => path.basename(f)).sort();
  assert.deepEqual(names(run.json.files.added), [
    '1-portrait.jpg',
    '2-portrait.jpg',
    '3-with-someone-behind.jpg',
    '5-group.jpg',
    'biden.jpg',
    'kit.jpeg',
    'rose.jpg',
  ]);
  assert.deepEqual(names(run.json.files['not-same-person']), ['4-someone-else-in-front.jpg']);
  assert.deepEqual(names(run.json.files['several-faces']), ['strangers.jpg']);
  assert.deepEqual(names(run.json.files['no-face']), ['louvre.jpg']);
  assert.deepEqual(names(run.json.files['low-quality']), ['very-blurred.jpg']);
  assert.deepEqual(names(run.json.files.unreadable), ['scan.jpg']);
  const how = Object.fromEntries(run.json.results.map((r: { source: string; chosen: string }) => [path.basename(r.source), r.chosen]));
  assert.equal(how['3-with-someone-behind.jpg'], 'dominant');
  assert.equal(how['5-group.jpg'], 'matched');
  assert.match(
    run.stderr,
    /4-someone-else-in-front\.jpg: not the same person as the other photos: .*; if it is them: facekit enroll NAME FILE --face N/,
  );
  assert.match(
    run.stderr,
    /strangers\.jpg: 3 faces found .* none is clearly the person's.*; to enrol one of them: facekit enroll NAME FILE --face N/,
  );

  // No wrong person: Biden's face was not enrolled as Obama, whose faces are all his.
  const obamaFaces = (await runCli(['--db', db, '--json', 'people', 'list'])).json.people.find(
    (p: { name: string }) => p.name === 'Barack Obama',
  );
  assert.equal(obamaFaces.faceCount, 4);
  const who = await runCli(['--db', db, '--json', 'identify', photo.biden2]);
  assert.equal(who.json.results[0].faces[0].match.name, 'Joe Biden');
  const check = await runCli(['--db', db, '--json', 'verify', 'Barack Obama', photo.biden2]);
  assert.equal(check.json.match, false, 'no face of Biden under Obama');

  // The report: one row per photo, the formula-like name defused.
  const rows = readCsv(report);
  assert.deepEqual(rows[0], ['person', 'file', 'outcome', 'message']);
  assert.equal(rows.length, 1 + run.json.photos);
  const row = (file: string) => rows.find((r) => r[1]?.endsWith(file));
  assert.deepEqual(row('4-someone-else-in-front.jpg')?.slice(0, 3), [
    'Barack Obama',
    path.join(obama, '4-someone-else-in-front.jpg'),
    'not-same-person',
  ]);
  assert.deepEqual(row('rose.jpg')?.slice(0, 3), ["'=Rose Leslie", path.join(rose, 'rose.jpg'), 'added']);
  assert.match(row('louvre.jpg')?.[3] ?? '', /no face found/);
  assert.equal(row('3-with-someone-behind.jpg')?.[3], 'the dominant face of 2', 'how a face was picked among several');
  assert.equal(row('5-group.jpg')?.[3], "of 3 faces, the one like the person's other photos");
  assert.equal(fs.readdirSync(dir).filter((f) => f.startsWith('report.csv.')).length, 0, 'no work file left behind');

  // The text summary, and a re-run: what was enrolled stays, the same photos are skipped again.
  const text = await runCli(['--db', db, 'enroll-folder', root]);
  assert.equal(text.code, 4);
  assert.match(text.stdout, /4 people, 12 photos: 0 enrolled, 7 already enrolled, 5 skipped/);
  assert.match(text.stdout, /^ {2}skipped +5$/m);
  assert.match(text.stdout, /^ {4}not the same person as the other photos +1$/m);
  assert.match(text.stdout, /^ {4}several faces, none clearly the person's +1$/m);
});

test('a folder without person subfolders, or a report that cannot be written, is refused before the run', async () => {
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  const result = await runCli(['--db', db, 'enroll-folder', empty]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no person folders with images/);
  const badReport = await runCli(['--db', db, 'enroll-folder', path.join(dir, 'people'), '--report', path.join(dir, 'missing', 'r.csv')]);
  assert.equal(badReport.code, 2);
  assert.match(badReport.stderr, /r\.csv: cannot write the report there/);
  const help = await runCli(['enroll-folder', '--help']);
  assert.match(help.stdout, /4 some photos skipped/);
});
