// Names as people type them (issue #5): any Unicode — emoji, right-to-left scripts, combining marks,
// quotes, SQL and HTML look-alikes — goes through `facekit enroll` and comes back from
// `people list --json` exactly. The rules (db/validate.ts cleanName): NFC-normalised, trimmed,
// 1–100 code points, no control characters (Unicode category Cc: NUL, tab, newlines, DEL, C1);
// everything else, format characters like the right-to-left mark included, is stored as given.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Store } from '../../../db/store.ts';
import { MAX_NAME_LENGTH } from '../../../db/validate.ts';
import { calls } from '../../../api/definition.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { at } from '../../helpers/assert.ts';
import { runCli } from '../../helpers/cli.ts';
import { FACES, photo, tempDir } from '../../helpers/fixtures.ts';

const dir = tempDir();
const db = path.join(dir, 'store.db');
const cli = (...args: string[]) => runCli(['--db', db, ...args]);
const KNN = path.join(FACES, 'knn_examples');

/** Each name gets a photo of its own: one face belongs to one person. */
const NAMES: { name: string; photo: string }[] = [
  { name: '👩🏽‍🔬 Ada "Countess" O\'Lovelace `\\` 🇬🇧', photo: photo.obama }, // emoji (skin tone, ZWJ, flag), quotes, backslash
  { name: 'مريم الأحمد \u200fשלום', photo: photo.obama2 }, // Arabic and Hebrew with a right-to-left mark (category Cf: kept)
  // Decomposed "Zoë Ñuñez" is stored composed (NFC); marks with no precomposed form stay; spaces around are trimmed.
  { name: '  Zoe\u0308 N\u0303un\u0303ez Z\u0351\u0315a\u0489lgo\u0361  ', photo: photo.biden },
  { name: "'; DROP TABLE people; --", photo: photo.kit },
  { name: '<img src=x onerror=alert(1)>', photo: photo.kit2 },
  { name: '😀'.repeat(MAX_NAME_LENGTH), photo: photo.rose }, // the longest name: 100 code points, 200 UTF-16 units
];
const stored = (name: string) => name.normalize('NFC').trim();

test('enroll stores any Unicode name as given (NFC, trimmed) and people list --json returns it exactly', async () => {
  assert.equal([...stored(at(NAMES, -1, 'the last name').name)].length, MAX_NAME_LENGTH, 'the long name is exactly at the limit');
  assert.ok(
    stored(at(NAMES, 2, 'the decomposed name').name).startsWith('Zo\u00eb \u00d1u\u00f1ez Z'),
    'the decomposed name is expected back composed',
  );
  // Two commands at a time: each loads the models.
  for (let i = 0; i < NAMES.length; i += 2) {
    await Promise.all(
      NAMES.slice(i, i + 2).map(async ({ name, photo: file }) => {
        const result = await cli('--json', 'enroll', name, file);
        assert.equal(result.code, 0, `${name}: ${result.stderr}`);
        assert.equal(result.json.person, stored(name));
        assert.equal(result.json.faceCount, 1);
      }),
    );
  }
  const [listed, text] = await Promise.all([cli('--json', 'people', 'list'), cli('people', 'list')]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(listed.json.people.map((p: { name: string }) => p.name).sort(), NAMES.map((n) => stored(n.name)).sort());
  for (const p of listed.json.people) assert.equal(p.faceCount, 1, p.name);

  // The text listing prints names verbatim too.
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines.length, NAMES.length);
  for (const { name } of NAMES)
    assert.ok(
      lines.some((line) => line.startsWith(`${stored(name)}\t`)),
      name,
    );

  // A tricky name works as an argument too: renamed, then looked up under its new name.
  const renamed = await cli('--json', 'people', 'rename', "'; DROP TABLE people; --", "Robert'); DROP TABLE Students;--");
  assert.equal(renamed.code, 0, renamed.stderr);
  assert.equal(renamed.json.person.name, "Robert'); DROP TABLE Students;--");
});

test('names with control characters or over 100 code points are refused with a clear error, nothing written', async () => {
  const before = Store.open(db);
  const people = before.listPeople().length;
  before.close();
  const photoFile = path.join(KNN, 'test', 'obama1.jpg');
  const [tab, long] = await Promise.all([
    cli('--json', 'enroll', 'Ada\tLovelace', photoFile),
    cli('--json', 'enroll', '😀'.repeat(MAX_NAME_LENGTH + 1), photoFile),
  ]);
  assert.equal(tab.code, 2);
  assert.match(tab.stderr, /a name must not contain control characters/);
  assert.equal(long.code, 2);
  assert.match(long.stderr, /a name must be at most 100 characters \(got 101\)/);

  const store = Store.open(db);
  try {
    assert.equal(store.listPeople().length, people, 'no person added');
    assert.ok(!store.listFaces().some((f) => f.photoPath === photoFile), 'no face or photo of the refused enrolments');
    // NUL cannot travel in a command line, but the app's api can send it: the store refuses it (and every Cc) itself.
    for (const bad of ['a\u0000b', 'line\nbreak', 'bell\u0007', 'del\u007f', 'next\u0085line']) {
      assert.throws(
        () => store.createPerson(bad),
        (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /control characters/.test(e.message),
        JSON.stringify(bad),
      );
    }
  } finally {
    store.close();
  }
});

test("the app's api accepts every name the store accepts (length in code points, not UTF-16 units)", () => {
  const schema = calls['people.get'].args;
  for (const { name } of NAMES) assert.ok(schema.safeParse({ name }).success, name);
  assert.equal(schema.safeParse({ name: '😀'.repeat(MAX_NAME_LENGTH + 1) }).success, false);
  assert.equal(schema.safeParse({ name: '   ' }).success, false);
});
