import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { migrate, type Migration } from '../../../db/migrate.ts';
import { latestVersion, migrations } from '../../../db/migrations/index.ts';
import { Store } from '../../../db/store.ts';
import { isFaceKitError } from '../../../api/errors.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'facekit-mig-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const tables = (db: Database.Database): string[] =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];

describe('migrations', () => {
  test('index lists numbered migrations in order', () => {
    assert.ok(latestVersion >= 1);
    migrations.forEach((m, i) => assert.equal(m.version, i + 1));
    assert.equal(migrations[0]?.name, 'initial');
  });

  test('an empty database is migrated to the latest version, then reopening is a no-op', () => {
    const file = join(dir, 'nested', 'deeper', 'facekit.db'); // parent dirs do not exist yet
    const store = Store.open(file);
    assert.equal(store.schemaVersion(), latestVersion);
    store.close();

    const db = new Database(file);
    assert.deepEqual(tables(db), [
      'checkins',
      'face_changes',
      'faces',
      'gallery',
      'people',
      'photos',
      'registry_checkins',
      'registry_faces',
      'registry_outbox',
      'registry_people',
      'registry_state',
      'settings',
      'spoof_attempts',
      'sqlite_sequence',
      'visitor_faces',
      'visitors',
    ]);
    assert.deepEqual(migrate(db, migrations), { from: latestVersion, to: latestVersion });
    db.close();

    const again = Store.open(file);
    assert.equal(again.schemaVersion(), latestVersion);
    again.close();
  });

  test('a v1 database with people in it is upgraded to the latest (gallery, face thumbnails) and keeps them', () => {
    const file = join(dir, 'v1.db');
    const raw = new Database(file);
    migrate(raw, migrations.slice(0, 1));
    raw
      .prepare(
        "INSERT INTO people (name, name_key, created_at, updated_at) VALUES ('Ada', 'ada', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
      )
      .run();
    assert.equal(raw.pragma('user_version', { simple: true }), 1);
    raw.close();

    const store = Store.open(file);
    assert.equal(store.schemaVersion(), latestVersion);
    assert.deepEqual(
      store.listPeople().map((p) => p.name),
      ['Ada'],
    );
    assert.deepEqual(store.gallery.list(), []);
    store.close();
  });

  test('an older (v0) database with unrelated state is migrated and keeps that state', () => {
    const file = join(dir, 'old.db');
    const raw = new Database(file);
    raw.exec("CREATE TABLE legacy (x TEXT); INSERT INTO legacy VALUES ('kept');");
    assert.equal(raw.pragma('user_version', { simple: true }), 0);
    raw.close();

    const store = Store.open(file);
    assert.equal(store.schemaVersion(), latestVersion);
    store.close();
    const db = new Database(file);
    assert.ok(tables(db).includes('people'));
    assert.equal(db.prepare('SELECT x FROM legacy').pluck().get(), 'kept');
    db.close();
  });

  test('a database from a newer FaceKit is refused and left untouched', () => {
    const file = join(dir, 'future.db');
    const raw = new Database(file);
    raw.exec('CREATE TABLE future_stuff (y INTEGER); INSERT INTO future_stuff VALUES (42);');
    raw.pragma('user_version = 999');
    raw.close();
    const bytes = readFileSync(file);
    const mtime = statSync(file).mtimeMs;

    assert.throws(
      () => Store.open(file),
      (e: unknown) => {
        assert.ok(isFaceKitError(e, 'STORE_VERSION'));
        assert.equal(e.message, `database ${file} has schema version 999; this FaceKit knows up to ${latestVersion} — update FaceKit`);
        return true;
      },
    );
    assert.deepEqual(readFileSync(file), bytes);
    assert.equal(statSync(file).mtimeMs, mtime);
    assert.equal(existsSync(`${file}-wal`), false);

    // The generic runner refuses too, without writing.
    const db = new Database(file, { readonly: true });
    assert.throws(
      () => migrate(db, migrations),
      (e: unknown) => isFaceKitError(e, 'STORE_VERSION'),
    );
    db.close();
  });

  test('a failing migration rolls back its own step only, and the version stays at the last good one', () => {
    const db = new Database(join(dir, 'partial.db'));
    const list: Migration[] = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);' },
    ];
    assert.throws(() => migrate(db, list), /no such table: nope/);
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    assert.deepEqual(tables(db), ['a']);

    list[1] = { version: 2, name: 'b', sql: 'CREATE TABLE b (x INTEGER);' };
    assert.deepEqual(migrate(db, list), { from: 1, to: 2 });
    assert.deepEqual(tables(db), ['a', 'b']);
    db.close();
  });

  test('an out-of-order migration list is rejected before anything runs', () => {
    const db = new Database(':memory:');
    const list: Migration[] = [
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x INTEGER);' },
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
    ];
    assert.throws(
      () => migrate(db, list),
      (e: unknown) => isFaceKitError(e, 'INTERNAL'),
    );
    assert.deepEqual(tables(db), []);
    db.close();
  });
});
