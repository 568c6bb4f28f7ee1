// The kiosk's check-in rules, frame by frame, on a real store file and a clock the test moves.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { Store } from '../../../db/store.ts';
import { KioskSession, type KioskRules } from '../../../engine/recognition/kiosk.ts';
import { tempDir } from '../../helpers/fixtures.ts';
import { at } from '../../helpers/assert.ts';

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

// ---- liveness (#12): passive score over the streak, active challenge, refusals ----

const live = (liveness: number) => ({ ...ann, liveness });

test('passive liveness: checked in when the mean score over the required frames reaches the threshold', () => {
  const kiosk = session({ liveness: { passive: true, threshold: 0.5, challenge: false } });
  kiosk.observe([live(0.9)]);
  kiosk.observe([live(0.2)]); // one poor frame among good ones: the mean decides
  const [checkin] = kiosk.observe([live(0.6)]);
  assert.equal(checkin?.personName, 'Ann');
  assert.equal(kiosk.liveness(ann.personId)?.passiveScore?.toFixed(3), ((0.9 + 0.2 + 0.6) / 3).toFixed(3));
});

test('passive liveness too low: refused once per appearance, logged as a spoof attempt, no cool-down', () => {
  const kiosk = session({ liveness: { passive: true, threshold: 0.5, challenge: false } });
  kiosk.observeFrame([live(0.3)]);
  kiosk.observeFrame([live(0.4)]);
  const third = kiosk.observeFrame([live(0.35)]);
  assert.deepEqual(third.checkins, []);
  const [refusal] = third.refusals;
  assert.equal(refusal?.faceIndex, 0);
  assert.deepEqual(
    { ...refusal?.attempt, liveness: refusal?.attempt.liveness?.toFixed(2) },
    {
      at: new Date(now).toISOString(),
      source: 'kiosk',
      personId: ann.personId,
      personName: 'Ann',
      distance: 0.3,
      reason: 'passive',
      challenge: null,
      liveness: '0.35',
    },
  );
  assert.equal(kiosk.liveness(ann.personId)?.refused, 'passive');
  const written = kiosk.recordSpoofAttempt(at(third.refusals, 0, 'the refusal'), new Uint8Array([0xff, 0xd8]));
  assert.deepEqual(
    store.listSpoofAttempts().map((a) => [a.id, a.reason, a.personName]),
    [[written.id, 'passive', 'Ann']],
  );
  assert.deepEqual(store.spoofAttemptThumbnail(written.id), new Uint8Array([0xff, 0xd8]));
  // Still in view, still a photo: after the refusal is shown, new attempts are refused but not logged again.
  for (let i = 0; i < 20; i++) {
    now += 500;
    const frame = kiosk.observeFrame([live(0.3)]);
    assert.deepEqual([frame.checkins, frame.refusals], [[], []], `frame ${i}`);
  }
  // The refusal started no cool-down: a live face right after checks in.
  kiosk.observe([]);
  for (let i = 0; i < 2; i++) kiosk.observe([live(0.9)]);
  assert.equal(kiosk.observe([live(0.9)])[0]?.personName, 'Ann');
  assert.equal(store.listCheckins().length, 1);
});

test('active challenge: a face that never does what is asked times out, is refused and logged once', () => {
  const kiosk = session({ liveness: { passive: false, threshold: 0.5, challenge: true, pick: () => 'blink' } });
  kiosk.observe([ann]);
  kiosk.observe([ann]);
  const started = kiosk.observeFrame([ann]);
  assert.deepEqual([started.checkins, started.refusals], [[], []]);
  const asked = kiosk.liveness(ann.personId)?.challenge;
  assert.deepEqual([asked?.kind, asked?.status, asked?.prompt, asked?.msLeft], ['blink', 'pending', 'Blink', 6000]);
  now += 5000;
  assert.equal(kiosk.observeFrame([ann]).refusals.length, 0);
  now += 1500;
  const late = kiosk.observeFrame([ann]);
  assert.deepEqual(late.checkins, []);
  assert.deepEqual(
    late.refusals.map((r) => [r.attempt.reason, r.attempt.challenge]),
    [['challenge-timeout', 'blink']],
  );
  assert.equal(kiosk.liveness(ann.personId)?.refused, 'challenge-timeout');
  // A new appearance is a new attempt, logged again if refused again.
  kiosk.observe([]);
  for (let i = 0; i < 3; i++) kiosk.observe([ann]);
  now += 7000;
  assert.equal(kiosk.observeFrame([ann]).refusals.length, 1);
});

test('liveness is not asked of someone checked in within the cool-down, nor of unknown faces', () => {
  store.addCheckin({ personId: ann.personId, personName: 'Ann', distance: 0.3, source: 'kiosk', at: new Date(now - 1000).toISOString() });
  const kiosk = session({ logUnknown: true, liveness: { passive: true, threshold: 0.99, challenge: true } });
  for (let i = 0; i < 3; i++) {
    const frame = kiosk.observeFrame([live(0.1), unknown]);
    assert.deepEqual(frame.refusals, []);
  }
  assert.equal(kiosk.liveness(ann.personId)?.challenge, null);
  assert.equal(kiosk.liveness(null), null);
  assert.equal(store.listCheckins().length, 2); // Ann's earlier visit and the unknown face's log line
});
