// Biometrics at rest: the encrypted store, keys, encrypting an existing plaintext store (also when the
// process is killed half-way), and deletion that leaves no recoverable embedding in the files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { Store, type NewFace, type PhotoInfo } from '../../../db/store.ts';
import { newRawKey } from '../../../db/key.ts';
import { sideFiles, storeFileState, workFile } from '../../../db/store-file.ts';
import { inspectStoreFile, restoreStoreFile } from '../../../db/backup.ts';
import { isFaceKitError, type ErrorCode } from '../../../api/errors.ts';
import { at } from '../../helpers/assert.ts';
import { ROOT, tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let n = 0;
before(() => {
  dir = tempDir('facekit-crypt-');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const newFile = () => path.join(dir, `s${n++}`, 'facekit.db');

const code = (c: ErrorCode) => (e: unknown) => isFaceKitError(e, c);
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const hashFile = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const photo = (label: string): PhotoInfo => ({ sha256: sha(label), path: `/photos/${label}-private-path.jpg`, width: 640, height: 480 });
/** A 128-D embedding no other row shares, so its bytes can be searched for in the raw files. */
const distinctive = (seed: number) => Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 1000 + i * 7.3) + 0.123456);
const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(3000)]);
const face = (embedding: Float32Array, thumbnail = jpeg(), faceIndex = 0): NewFace => ({
  faceIndex,
  box: { x: 10, y: 20, width: 100, height: 120 },
  score: 0.98,
  faceSize: 110,
  blur: 250,
  modelId: 'test-model',
  embedding,
  thumbnail,
});
const bytesOf = (f32: Float32Array) => Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
/** Which of the store's files (main, -wal) contain `needle`. */
function filesContaining(file: string, needle: Buffer | string): string[] {
  return [file, `${file}-wal`].filter((f) => fs.existsSync(f) && fs.readFileSync(f).includes(needle)).map((f) => path.basename(f));
}
function rowCount(file: string, key?: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    if (key) {
      db.pragma(`cipher = 'sqlcipher'`);
      db.pragma('legacy = 4');
      db.key(Buffer.from(key));
    }
    return db.prepare('SELECT count(*) FROM faces').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('encrypted store', () => {
  test('names, embeddings, thumbnails and photo paths never reach the files in plaintext', () => {
    const secrets = { name: 'Zanzibar Quixote', embedding: distinctive(1), thumbnail: jpeg() };
    const write = (file: string, key?: string) => {
      const store = Store.open(file, { key });
      store.enrolFace(secrets.name, photo('zq'), face(secrets.embedding, secrets.thumbnail), { createIfMissing: true });
      store.addCheckin({ personId: store.requirePerson(secrets.name).id, personName: secrets.name, distance: 0.3, source: 'kiosk' });
      return store;
    };
    const needles = [secrets.name, bytesOf(secrets.embedding), secrets.thumbnail.subarray(500, 600), 'zq-private-path'];

    // Control: the same writes to a plain store are findable, with the connection still open (-wal).
    const plainFile = newFile();
    const plain = write(plainFile);
    for (const needle of needles) assert.notDeepEqual(filesContaining(plainFile, needle), [], 'the plain store holds it');
    plain.close();

    const key = newRawKey();
    const file = newFile();
    const store = write(file, key);
    assert.equal(store.encrypted, true);
    for (const needle of needles) assert.deepEqual(filesContaining(file, needle), [], 'open, with a -wal');
    store.close();
    for (const needle of needles) assert.deepEqual(filesContaining(file, needle), [], 'closed');
    assert.equal(storeFileState(file), 'other');

    const again = Store.open(file, { key });
    assert.deepEqual(again.faceEmbedding(at(again.listFaces(secrets.name), 0, 'the face').id), secrets.embedding);
    again.close();
  });

  test('a wrong key or no key: STORE_KEY, and the file is not modified', () => {
    const file = newFile();
    const key = 'correct horse battery staple';
    const store = Store.open(file, { key });
    store.createPerson('Ann');
    store.close();
    const before = { hash: hashFile(file), files: fs.readdirSync(path.dirname(file)).sort() };
    assert.throws(
      () => Store.open(file, { key: 'Correct horse battery staple' }),
      (e: unknown) => isFaceKitError(e, 'STORE_KEY') && /wrong key \(or not a FaceKit store\)/.test(e.message) && e.file === file,
    );
    assert.throws(
      () => Store.open(file),
      (e: unknown) => isFaceKitError(e, 'STORE_KEY') && /encrypted/.test(e.message),
    );
    assert.throws(() => Store.open(file, { key: '' }), code('BAD_INPUT'));
    assert.deepEqual({ hash: hashFile(file), files: fs.readdirSync(path.dirname(file)).sort() }, before);
    const reopened = Store.open(file, { key });
    assert.deepEqual(
      reopened.listPeople().map((p) => p.name),
      ['Ann'],
    );
    reopened.close();
  });
});

describe('encrypting an existing plaintext store', () => {
  test('on first open with a key: WAL content included, verified, nothing plaintext left', () => {
    const file = newFile();
    const store = Store.open(file);
    store.enrolFace('Plain Person', photo('p1'), face(distinctive(2)), { createIfMissing: true });
    store.setSetting('recognition.threshold', 0.55);
    // What a crashed app leaves: committed rows still only in the -wal (copied while it is open).
    const crashed = newFile();
    fs.mkdirSync(path.dirname(crashed), { recursive: true });
    fs.copyFileSync(file, crashed);
    fs.copyFileSync(`${file}-wal`, `${crashed}-wal`);
    store.close();
    assert.notDeepEqual(filesContaining(crashed, 'Plain Person'), []);

    const key = newRawKey();
    const encrypted = Store.open(crashed, { key });
    assert.equal(encrypted.encrypted, true);
    assert.deepEqual(
      encrypted.listPeople().map((p) => [p.name, p.faceCount]),
      [['Plain Person', 1]],
    );
    assert.deepEqual(encrypted.faceEmbedding(at(encrypted.listFaces(), 0, 'the face').id), distinctive(2));
    assert.equal(encrypted.getSetting('recognition.threshold'), 0.55);
    encrypted.close();
    assert.equal(storeFileState(crashed), 'other');
    assert.deepEqual(filesContaining(crashed, 'Plain Person'), []);
    assert.deepEqual(filesContaining(crashed, bytesOf(distinctive(2))), []);
    assert.deepEqual(fs.readdirSync(path.dirname(crashed)), ['facekit.db'], 'no work file or copy left behind');
    const db = new Database(crashed, { readonly: true });
    assert.throws(() => db.pragma('user_version'), /not a database/, 'plain SQLite cannot read it');
    db.close();
  });

  test('a store from a newer FaceKit is refused untouched', () => {
    const file = newFile();
    Store.open(file).close();
    const raw = new Database(file);
    raw.pragma('user_version = 999');
    raw.close();
    const before = hashFile(file);
    assert.throws(() => Store.open(file, { key: newRawKey() }), code('STORE_VERSION'));
    assert.equal(hashFile(file), before);
    assert.equal(storeFileState(file), 'plaintext');
  });

  test('refused while another connection has the store open; the plaintext store is unchanged', () => {
    const file = newFile();
    const app = Store.open(file);
    app.createPerson('Ann');
    assert.throws(
      () => Store.open(file, { key: newRawKey() }),
      (e: unknown) => isFaceKitError(e, 'CONFLICT') && /another FaceKit process/.test(e.message),
    );
    assert.equal(storeFileState(file), 'plaintext');
    assert.deepEqual(
      app.listPeople().map((p) => p.name),
      ['Ann'],
    );
    app.createPerson('Bob'); // still usable, still in WAL mode
    app.close();
    assert.equal(fs.existsSync(workFile(file, 'encrypting')), false);
  });

  test('the leftovers of an interrupted attempt are discarded and the original still opens', () => {
    const file = newFile();
    const store = Store.open(file);
    store.enrolFace('Ann', photo('a'), face(distinctive(3)), { createIfMissing: true });
    store.close();
    const work = workFile(file, 'encrypting');
    // A crash during PRAGMA rekey leaves a half-encrypted copy and its journal next to the intact original.
    fs.writeFileSync(work, Buffer.concat([fs.readFileSync(file).subarray(0, 4096), randomBytes(8192)]));
    fs.writeFileSync(`${work}-journal`, randomBytes(4096));
    const plain = Store.open(file);
    assert.equal(plain.listPeople().length, 1, 'the original is untouched by the leftovers');
    plain.close();

    const key = newRawKey();
    const encrypted = Store.open(file, { key });
    assert.deepEqual(
      encrypted.listPeople().map((p) => p.name),
      ['Ann'],
    );
    encrypted.close();
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['facekit.db']);
  });

  test('killed at any moment, the store opens: the old plaintext one or the new encrypted one', async (t) => {
    const template = newFile();
    const store = Store.open(template);
    const faces = 3000; // ≈ 12 MB with thumbnails, so the encryption takes long enough to be interrupted
    for (let i = 0; i < faces; i++)
      store.enrolFace(`Person ${i % 300}`, photo(`k${i}`), face(distinctive(10 + i)), { createIfMissing: true });
    store.close();
    const key = newRawKey();

    // How long one encryption takes here, to spread the kills over it.
    const timed = newFile();
    fs.mkdirSync(path.dirname(timed));
    fs.copyFileSync(template, timed);
    const t0 = performance.now();
    Store.open(timed, { key }).close();
    const duration = performance.now() - t0;

    const outcomes: string[] = [];
    for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      const file = newFile();
      fs.mkdirSync(path.dirname(file));
      fs.copyFileSync(template, file);
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `
        const { Store } = await import(${JSON.stringify(path.join(ROOT, 'db', 'store.ts'))});
        process.stdout.write('go\\n');
        Store.open(process.argv[1], { key: process.argv[2] }).close();
        process.stdout.write('done\\n');
        setInterval(() => {}, 1000);
      `,
          file,
          key,
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await once(child.stdout, 'data');
      await new Promise((resolve) => setTimeout(resolve, duration * fraction));
      child.kill('SIGKILL');
      await once(child, 'exit');

      const state = storeFileState(file);
      const leftover = fs.existsSync(workFile(file, 'encrypting'));
      outcomes.push(
        `${Math.round(duration * fraction)} ms: ${state === 'plaintext' ? 'plaintext' : 'encrypted'}${leftover ? ' + leftover' : ''}`,
      );
      assert.notEqual(state, 'missing');
      assert.equal(rowCount(file, state === 'plaintext' ? undefined : key), faces, 'every face is there');
      // The next open with the key finishes the job and cleans up.
      const reopened = Store.open(file, { key });
      assert.equal(reopened.listFaces().length, faces);
      reopened.close();
      assert.equal(storeFileState(file), 'other');
      assert.deepEqual(
        fs.readdirSync(path.dirname(file)).filter(
          (f) =>
            f !== 'facekit.db' &&
            !sideFiles(file)
              .map((s) => path.basename(s))
              .includes(f),
        ),
        [],
      );
    }
    t.diagnostic(`encryption of ${faces} faces takes ${Math.round(duration)} ms; killed at ${outcomes.join(', ')}`);
  });
});

describe('deleting a person', () => {
  test('leaves no copy of their embedding, thumbnail, name or photo path in the .db or -wal (plain store)', () => {
    const file = newFile();
    const store = Store.open(file);
    const gone = { name: 'Vanishing Person', embedding: distinctive(4), thumbnail: jpeg() };
    store.enrolFace(gone.name, photo('gone'), face(gone.embedding, gone.thumbnail), { createIfMissing: true });
    store.enrolFace('Staying Person', photo('stay'), face(distinctive(5)), { createIfMissing: true });
    const reader = Store.open(file); // the app's other connection, idle
    reader.listPeople();
    const needles = [bytesOf(gone.embedding), gone.thumbnail.subarray(1000, 1100), gone.name, 'gone-private-path'];
    for (const needle of needles) assert.notDeepEqual(filesContaining(file, needle), [], 'control: present before');

    assert.deepEqual(store.removePerson(gone.name), { faces: 1, photos: 1, checkins: 0 });
    for (const needle of needles) assert.deepEqual(filesContaining(file, needle), [], 'gone from both files');
    assert.deepEqual(
      reader.listPeople().map((p) => p.name),
      ['Staying Person'],
    );
    reader.close();
    store.close();
  });
});

describe('backup and restore (store files)', () => {
  test("a backup taken during another connection's write is consistent and as encrypted as the store", () => {
    const key = newRawKey();
    const file = newFile();
    const store = Store.open(file, { key });
    store.enrolFace('Ann', photo('a'), face(distinctive(6)), { createIfMissing: true });
    const writer = new Database(file);
    writer.pragma(`cipher = 'sqlcipher'`);
    writer.pragma('legacy = 4');
    writer.key(Buffer.from(key));
    writer.exec('BEGIN IMMEDIATE');
    writer.prepare("INSERT INTO people (name, name_key, created_at, updated_at) VALUES ('Uncommitted', 'uncommitted', 'x', 'x')").run();

    const backup = path.join(path.dirname(file), 'backup.db');
    store.backupTo(backup);
    writer.exec('COMMIT');
    writer.close();
    assert.equal(storeFileState(backup), 'other');
    assert.deepEqual(filesContaining(backup, bytesOf(distinctive(6))), []);
    assert.deepEqual(inspectStoreFile(backup, key), { schemaVersion: store.schemaVersion(), encrypted: true, people: 1, faces: 1 });
    assert.throws(() => inspectStoreFile(backup, newRawKey()), code('STORE_KEY'));
    assert.throws(() => inspectStoreFile(backup), code('STORE_KEY'));

    // Restore it over the store: refused while the store is open, then the store is the backup again.
    assert.throws(() => restoreStoreFile(backup, file, key), code('CONFLICT'));
    store.close();
    const hashBefore = hashFile(backup);
    restoreStoreFile(backup, file, key);
    assert.equal(hashFile(backup), hashBefore, 'the backup itself is not touched');
    const restored = Store.open(file, { key });
    assert.deepEqual(
      restored.listPeople().map((p) => p.name),
      ['Ann'],
    );
    assert.deepEqual(restored.faceEmbedding(at(restored.listFaces(), 0, 'the face').id), distinctive(6));
    restored.close();
    assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), ['backup.db', 'facekit.db']);
  });

  test('a plaintext backup restored where a key is set comes back encrypted; a missing store is created', () => {
    const source = Store.open(newFile());
    source.enrolFace('Ann', photo('a'), face(distinctive(8)), { createIfMissing: true });
    const backup = path.join(path.dirname(source.file), 'plain-backup.db');
    source.backupTo(backup);
    source.close();
    assert.equal(storeFileState(backup), 'plaintext');

    const target = newFile(); // its folder does not exist yet
    const key = newRawKey();
    assert.deepEqual(restoreStoreFile(backup, target, key), {
      schemaVersion: inspectStoreFile(backup).schemaVersion,
      encrypted: false,
      people: 1,
      faces: 1,
    });
    const restored = Store.open(target, { key });
    assert.deepEqual(restored.faceEmbedding(at(restored.listFaces(), 0, 'the face').id), distinctive(8));
    restored.close();
    assert.equal(storeFileState(target), 'other');
    assert.deepEqual(filesContaining(target, bytesOf(distinctive(8))), []);
  });

  test('restore refuses what is not a FaceKit store, and leaves the store alone', () => {
    const file = newFile();
    const store = Store.open(file);
    store.createPerson('Keep Me');
    store.close();
    const before = hashFile(file);
    const notStore = path.join(path.dirname(file), 'notes.db');
    fs.writeFileSync(notStore, 'just some text\n'.repeat(100));
    const otherSqlite = path.join(path.dirname(file), 'other.db');
    const other = new Database(otherSqlite);
    other.exec('CREATE TABLE t (x)');
    other.close();
    const newer = path.join(path.dirname(file), 'newer.db');
    Store.open(newer).close();
    const raw = new Database(newer);
    raw.pragma('user_version = 999');
    raw.close();

    assert.throws(() => restoreStoreFile(notStore, file, undefined), code('STORE_KEY'), 'not plain SQLite: encrypted or foreign, no key');
    assert.throws(
      () => restoreStoreFile(notStore, file, newRawKey()),
      (e: unknown) => isFaceKitError(e, 'STORE_KEY') && /not a FaceKit store/.test(e.message),
    );
    assert.throws(
      () => restoreStoreFile(otherSqlite, file, undefined),
      (e: unknown) =>
        isFaceKitError(e, 'BAD_INPUT') && /not a FaceKit store.*no people, photos, faces, checkins, settings table/.test(e.message),
    );
    assert.throws(() => restoreStoreFile(newer, file, undefined), code('STORE_VERSION'));
    assert.throws(() => restoreStoreFile(path.join(dir, 'absent.db'), file, undefined), code('NOT_FOUND'));
    assert.equal(hashFile(file), before);
    assert.equal(fs.existsSync(workFile(file, 'restoring')), false);
  });
});
