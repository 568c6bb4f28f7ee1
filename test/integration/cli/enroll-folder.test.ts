// `facekit enroll-folder`: a folder per person, worker threads embedding, one writer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.ts';
import { FACES, tempDir } from '../../helpers/fixtures.ts';

const dir = tempDir();
const db = path.join(dir, 'store.db');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('enrols everyone with two workers, is idempotent, and reports a bad photo without stopping', async () => {
  const root = path.join(dir, 'people');
  fs.cpSync(path.join(FACES, 'knn_examples', 'train'), root, { recursive: true });
  fs.writeFileSync(path.join(root, 'biden', 'scan.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));

  const first = await runCli(['--db', db, '--json', 'enroll-folder', root, '--workers', '2']);
  assert.equal(first.code, 2, first.stderr);
  assert.equal(first.json.workers, 2);
  assert.equal(first.json.photos, 10);
  assert.equal(first.json.results.length, 9);
  assert.deepEqual(
    first.json.errors.map((e: { source: string; code: string }) => [path.basename(e.source), e.code]),
    [['scan.jpg', 'BAD_INPUT']],
  );
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
  assert.equal(again.code, 0, again.stderr);
  assert.ok(again.json.results.every((r: { status: string }) => r.status === 'already-enrolled'));
});

test('a folder without person subfolders is refused clearly', async () => {
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  const result = await runCli(['--db', db, 'enroll-folder', empty]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no person folders with images/);
});
