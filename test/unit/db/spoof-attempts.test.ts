// The spoof_attempts table (migration 007) on a real store file: what the kiosk writes comes back in
// time order with its thumbnail; a merge moves a person's attempts, removing the person deletes them
// (their thumbnails show that person's face); check-ins never include them.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../../db/store.ts';
import { tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = tempDir();
  store = Store.open(path.join(dir, 'store.db'));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const attempt = (personId: number, personName: string, at: string) => ({
  at,
  source: 'kiosk',
  personId,
  personName,
  distance: 0.31,
  reason: 'challenge-timeout' as const,
  challenge: 'blink' as const,
  liveness: 0.42,
  thumbnail: new Uint8Array([1, 2, 3]),
});

test('attempts are listed newest first, filtered by person and time, apart from check-ins', () => {
  const ann = store.createPerson('Ann').id;
  const bob = store.createPerson('Bob').id;
  const first = store.addSpoofAttempt(attempt(ann, 'Ann', '2026-12-01T09:00:00.000Z'));
  const second = store.addSpoofAttempt(attempt(bob, 'Bob', '2026-12-02T09:00:00.000Z'));
  assert.deepEqual(
    store.listSpoofAttempts().map((a) => a.id),
    [second, first],
  );
  assert.deepEqual(store.listSpoofAttempts({ personId: ann }), [
    {
      id: first,
      at: '2026-12-01T09:00:00.000Z',
      source: 'kiosk',
      personId: ann,
      personName: 'Ann',
      distance: 0.31,
      reason: 'challenge-timeout',
      challenge: 'blink',
      liveness: 0.42,
    },
  ]);
  assert.deepEqual(
    store.listSpoofAttempts({ since: '2026-12-02T00:00:00.000Z' }).map((a) => a.id),
    [second],
  );
  assert.deepEqual(store.spoofAttemptThumbnail(first), new Uint8Array([1, 2, 3]));
  assert.equal(store.spoofAttemptThumbnail(999), null);
  assert.deepEqual(store.listCheckins(), []);
});

test('an attempt follows its person through a merge and is deleted with them', () => {
  const ann = store.createPerson('Ann').id;
  const annie = store.createPerson('Annie').id;
  const id = store.addSpoofAttempt(attempt(annie, 'Annie', '2026-12-01T09:00:00.000Z'));
  store.mergePeople('Annie', 'Ann');
  assert.deepEqual(
    store.listSpoofAttempts().map((a) => [a.id, a.personId, a.personName]),
    [[id, ann, 'Annie']],
  );
  store.removePerson('Ann');
  assert.deepEqual(store.listSpoofAttempts(), []);
  assert.equal(store.spoofAttemptThumbnail(id), null);
});

test('the table refuses what the kiosk never writes', () => {
  const ann = store.createPerson('Ann').id;
  assert.throws(() => store.addSpoofAttempt({ ...attempt(ann, 'Ann', '2026-12-01T09:00:00.000Z'), reason: 'bored' as never }), /CHECK/);
  assert.throws(() => store.addSpoofAttempt({ ...attempt(ann, 'Ann', '2026-12-01T09:00:00.000Z'), liveness: 1.5 }), /CHECK/);
});
