// `facekit cluster DIR`: every face of every image under DIR (recursively) grouped by person on real
// photos — three of Obama (one in a subfolder), two of Kit Harington, one of Alex Lacamoire — the
// --json shape, an unreadable image named and skipped (exit 4), --enroll-prefix, and a bad DIR (exit 2).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.ts';
import { FACES, photo, tempDir } from '../../helpers/fixtures.ts';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  for (const [to, from] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
    fs.copyFileSync(from, path.join(root, to));
  }
  return root;
}

test('groups the photos by person, leaves a face like no other alone, and names an unreadable image', async () => {
  const root = folder('photos', {
    'a/obama.jpg': photo.obama,
    'a/obama2.jpg': photo.obama2,
    'b/nested/obama3.jpg': photo.obama3,
    'b/kit1.jpeg': photo.kit,
    'b/kit2.jpeg': photo.kit2,
    'alex.jpg': path.join(FACES, 'knn_examples', 'train', 'alex_lacamoire', 'img1.jpg'),
  });
  fs.writeFileSync(path.join(root, 'b', 'scan.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  const db = path.join(dir, 'untouched.db');

  const result = await runCli(['--db', db, '--json', 'cluster', root]);
  assert.equal(result.code, 4, `an unreadable image: exit 4. ${result.stderr}`);
  assert.match(result.stderr, /b\/scan\.jpg: /);
  assert.deepEqual(Object.keys(result.json), ['groups', 'alone']);
  assert.deepEqual(result.json.groups, [
    {
      id: 1,
      faces: [
        { file: 'a/obama.jpg', index: 0 },
        { file: 'a/obama2.jpg', index: 0 },
        { file: 'b/nested/obama3.jpg', index: 0 },
      ],
    },
    {
      id: 2,
      faces: [
        { file: 'b/kit1.jpeg', index: 0 },
        { file: 'b/kit2.jpeg', index: 0 },
      ],
    },
  ]);
  assert.deepEqual(result.json.alone, [{ file: 'alex.jpg', index: 0 }]);
  assert.ok(!fs.existsSync(db), 'nothing written without --enroll-prefix');
});

test('--enroll-prefix makes each group a person with its faces; a face alone is nobody', async () => {
  const root = folder('visitors', { 'obama.jpg': photo.obama, 'obama2.jpg': photo.obama2, 'rose.jpg': photo.rose });
  const db = path.join(dir, 'store.db');
  const result = await runCli(['--db', db, 'cluster', root, '--enroll-prefix', 'Visitor']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /3 images, 3 faces: 1 group\(s\) of 2 or more, 1 alone/);
  assert.match(result.stdout, /group 1 \(2 faces, enrolled as "Visitor 1"\): obama\.jpg #0, obama2\.jpg #0/);
  const people = await runCli(['--db', db, '--json', 'people', 'list']);
  assert.deepEqual(
    people.json.people.map((p: { name: string; faceCount: number }) => [p.name, p.faceCount]),
    [['Visitor 1', 2]],
  );
});

test('a folder that does not exist, or holds no image: usage error, exit 2', async () => {
  const missing = await runCli(['cluster', path.join(dir, 'nowhere')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nowhere: not a readable folder/);
  fs.mkdirSync(path.join(dir, 'empty', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'empty', 'sub', 'notes.txt'), 'no photos here');
  const empty = await runCli(['cluster', path.join(dir, 'empty')]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /empty: no images in this folder or below it/);
});
