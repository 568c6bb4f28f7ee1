// The kiosk's check-in rules, frame by frame, on a real store file and a clock the test moves.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { Store } from '../../../db/store.ts';
import { KioskSession, type KioskRules } from '../../../engine/recognition/kiosk.ts';
import { tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let store: Store;
let now: number;
const ann = { personId: 0, name: 'Ann', distance: 0.3 };
const bob = { personId: 0, name: 'Bob', distance: 0.4 };
const unknown = { personId: null, name: null, distance: null };

function session(rules: Partial<KioskRules> = {}): KioskSession {
  return new KioskSession(store, { cooldownSeconds: 300, requiredFrames: 3, logUnknown: false, ...rules }, () => now);
}

beforeEach(() => {
  dir = tempDir();
  store = Store.open(path.join(dir, 'store.db'));
  ann.personId = store.createPerson('Ann').id;
  bob.personId = store.createPerson('Bob').id;
  now = Date.parse('2026-11-29T09:00:00Z');
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a person is checked in after N consecutive frames, then not again within the cool-down', () => {
  const kiosk = session();
  assert.deepEqual(kiosk.observe([ann]), []);
  assert.deepEqual(kiosk.observe([ann]), []);
  const [checkin] = kiosk.observe([ann]);
  assert.equal(checkin?.personName, 'Ann');
  assert.equal(checkin?.source, 'kiosk');
  for (let i = 0; i < 50; i++) {
    now += 1000;
    assert.deepEqual(kiosk.observe([ann]), [], `frame ${i}`);
  }
  assert.equal(store.listCheckins().length, 1);
});

test('a gap in the streak starts counting again (one bad frame is not a visit)', () => {
  const kiosk = session();
  kiosk.observe([ann]);
  kiosk.observe([ann]);
  kiosk.observe([]);
  assert.deepEqual(kiosk.observe([ann]), []);
  assert.equal(kiosk.streak(ann.personId), 1);
});

test('after the cool-down the same person is checked in again; two people are independent', () => {
  const kiosk = session({ requiredFrames: 1, cooldownSeconds: 60 });
  assert.equal(kiosk.observe([ann, bob]).length, 2);
  now += 59_000;
  assert.equal(kiosk.observe([ann, bob]).length, 0);
  now += 2_000;
  assert.deepEqual(
    kiosk.observe([ann]).map((c) => c.personName),
    ['Ann'],
  );
});

test('the cool-down survives a restart of the kiosk (it is read from the store)', () => {
  session({ requiredFrames: 1 }).observe([ann]);
  now += 10_000;
  assert.deepEqual(session({ requiredFrames: 1 }).observe([ann]), []);
});

test('unknown faces are ignored unless logging is on, then logged once per appearance', () => {
  assert.deepEqual(session({ requiredFrames: 2 }).observe([unknown, unknown]), []);
  const kiosk = session({ requiredFrames: 2, logUnknown: true });
  kiosk.observe([unknown]);
  const [logged] = kiosk.observe([unknown]);
  assert.equal(logged?.personId, null);
  assert.equal(logged?.personName, '');
  assert.deepEqual(kiosk.observe([unknown]), []);
  kiosk.observe([]);
  kiosk.observe([unknown]);
  assert.equal(kiosk.observe([unknown]).length, 1);
});
