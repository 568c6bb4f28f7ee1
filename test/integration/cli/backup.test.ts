// The encrypted store, backup/restore and export/import through the real `facekit` command: the key
// from FACEKIT_KEY or a terminal prompt, exit 3 without it, and a round trip that identifies again.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.ts';
import { photo, ROOT, tempDir } from '../../helpers/fixtures.ts';
import { Store } from '../../../db/store.ts';
import { storeFileState } from '../../../db/store-file.ts';

const dir = tempDir();
const KEY = 'a passphrase for the tests';
const storeA = path.join(dir, 'a', 'facekit.db');
const withKey = { FACEKIT_DB: storeA, FACEKIT_KEY: KEY };
const noKey = { FACEKIT_DB: storeA, FACEKIT_KEY: '' };
// runCli inherits the test's environment: make sure no FACEKIT_KEY leaks in where none is meant.
delete process.env.FACEKIT_KEY;
const without = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'FACEKIT_KEY'));

before(async () => {
  const obama = await runCli(['enroll', 'Barack Obama', photo.obama, photo.obama2], withKey);
  assert.equal(obama.code, 0, obama.stderr);
  const biden = await runCli(['enroll', 'Joe Biden', photo.biden], withKey);
  assert.equal(biden.code, 0, biden.stderr);
});

test('FACEKIT_KEY encrypts the store; without it, or with a wrong one, exit 3 and a clear message', async () => {
  assert.equal(storeFileState(storeA), 'other');
  assert.equal(fs.readFileSync(storeA).includes('Barack Obama'), false);
  const [missing, wrong, empty] = await Promise.all([
    runCli(['people', 'list', '--json'], without(noKey)),
    runCli(['people', 'list'], { ...withKey, FACEKIT_KEY: 'not the key' }),
    runCli(['people', 'list'], noKey),
  ]);
  assert.equal(missing.code, 3);
  assert.equal(missing.json.error.code, 'STORE_KEY');
  assert.match(missing.stderr, /the store is encrypted: set FACEKIT_KEY to its key/);
  assert.equal(wrong.code, 3);
  assert.match(wrong.stderr, /cannot open the store: wrong key \(or not a FaceKit store\)/);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /FACEKIT_KEY is set but empty/);
});

test(
  'on a terminal, the key is asked for without echo',
  { skip: spawnSync('script', ['--version']).status !== 0 && 'needs script(1) for a terminal' },
  async () => {
    // script(1) gives the command a pseudo-terminal; the key is typed once the prompt shows.
    const child = spawn('script', ['-qefc', `${process.execPath} ${path.join(ROOT, 'bin', 'facekit.js')} people list`, '/dev/null'], {
      env: { ...process.env, FACEKIT_DB: storeA },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    let typed = false;
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      if (!typed && out.includes(`Key for ${storeA}: `)) {
        typed = true;
        child.stdin.write(`${KEY}\r`);
      }
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /Barack Obama\t2 face\(s\)/);
    assert.equal(out.includes(KEY), false, 'the key is not echoed');
  },
);

test('backup (refuses to overwrite without --force) and restore', async () => {
  const backup = path.join(dir, 'backup.db');
  const made = await runCli(['backup', backup, '--json'], withKey);
  assert.equal(made.code, 0, made.stderr);
  assert.deepEqual([made.json.backup, made.json.encrypted, made.json.people, made.json.faces], [backup, true, 2, 3]);
  assert.equal(made.json.bytes, fs.statSync(backup).size);
  assert.equal(storeFileState(backup), 'other');
  assert.equal(fs.readFileSync(backup).includes('Joe Biden'), false);

  const [again, forced] = await Promise.all([runCli(['backup', backup], withKey), runCli(['backup', backup, '--force'], withKey)]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /backup\.db: the file exists; add --force to replace it/);
  assert.equal(forced.code, 0, forced.stderr);

  assert.equal((await runCli(['people', 'remove', 'Joe Biden'], withKey)).code, 0);
  const restored = await runCli(['restore', backup, '--json'], withKey);
  assert.equal(restored.code, 0, restored.stderr);
  assert.equal(restored.json.encrypted, true);
  const store = Store.open(storeA, { key: KEY });
  assert.deepEqual(
    store.listPeople().map((p) => [p.name, p.faceCount]),
    [
      ['Barack Obama', 2],
      ['Joe Biden', 1],
    ],
  );
  store.close();
});

test('export → import into a fresh store: same people, byte-identical embeddings, identify works', async () => {
  const exported = path.join(dir, 'people.jsonl');
  const out = await runCli(['export', exported], withKey);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /exported 2 people, 3 face\(s\)/);
  assert.match(out.stdout, /not encrypted and holds biometric data/);
  if (process.platform !== 'win32') assert.equal(fs.statSync(exported).mode & 0o777, 0o600);

  const storeB = path.join(dir, 'b', 'facekit.db');
  const imported = await runCli(['import', exported, '--json'], { FACEKIT_DB: storeB });
  assert.equal(imported.code, 0, imported.stderr);
  assert.deepEqual(imported.json.faces, { added: 3, skipped: 0 });
  assert.deepEqual(imported.json.otherModels, []);

  const a = Store.open(storeA, { key: KEY });
  const b = Store.open(storeB);
  const faces = (s: Store) =>
    s
      .listFaces()
      .map((f) => `${f.personName} ${f.photoSha256} ${f.faceIndex} ${Buffer.from(s.faceEmbedding(f.id).buffer).toString('hex')}`)
      .sort();
  assert.deepEqual(faces(b), faces(a));
  a.close();
  b.close();

  const who = await runCli(['identify', photo.obama3, '--json'], { FACEKIT_DB: storeB });
  assert.equal(who.code, 0, who.stderr);
  assert.equal(who.json.results[0].faces[0].match.name, 'Barack Obama');

  const cut = path.join(dir, 'cut.jsonl');
  fs.writeFileSync(cut, fs.readFileSync(exported, 'utf8').split('\n').slice(0, 3).join('\n'));
  const bad = await runCli(['import', cut], { FACEKIT_DB: storeB });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cut\.jsonl: the file ends without its end record: it was cut short/);
});
