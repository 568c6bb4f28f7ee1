// A store made before pipeline ids (schema v4, embeddings stored under the bare descriptor hash) opens,
// migrates and keeps working: its faces are listed as outdated and never compared with the current
// pipeline's; `upgradeFaces` re-embeds those whose photo is still there and unchanged, after which
// identification finds the person; the others (photo gone, photo changed, no photo kept) are listed as
// needing re-enrolment, in the store, the CLI and its exit code. Real photos, real networks, a real file.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { migrate } from '../../../db/migrate.ts';
import { latestVersion, migrations } from '../../../db/migrations/index.ts';
import { encodeEmbedding } from '../../../db/blob.ts';
import { Store } from '../../../db/store.ts';
import { decodeImageFile } from '../../../engine/image.ts';
import { analyzeFaces, type AnalyzedFace } from '../../../engine/faces/pipeline.ts';
import { descriptorModelId } from '../../../engine/faces/models.ts';
import { currentPipelineId } from '../../../engine/faces/pipeline-id.ts';
import { euclidean } from '../../../db/search/exact.ts';
import { identify, verify } from '../../../engine/recognition/recognition.ts';
import { outdatedByPerson, upgradeFaces } from '../../../engine/recognition/face-upgrade.ts';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { at } from '../../helpers/assert.ts';
import { runCli } from '../../helpers/cli.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';

const models = createModelRegistry();
after(() => models.unloadAll());

const dir = tempDir('facekit-upgrade-');
const dbFile = path.join(dir, 'facekit.db');
/** Copies of the fixtures, since the test moves and changes them. */
const copies = {
  obama: path.join(dir, 'obama.jpg'),
  group: path.join(dir, 'obama_and_biden.jpg'),
  biden: path.join(dir, 'biden.jpg'),
  kit: path.join(dir, 'kit.jpeg'),
};
fs.copyFileSync(photo.obama, copies.obama);
fs.copyFileSync(photo.obamaAndBiden, copies.group);
fs.copyFileSync(photo.biden, copies.biden);
fs.copyFileSync(photo.kit, copies.kit);

/** How embeddings were labelled before pipeline ids: the descriptor's weights hash alone. */
const OLD_ID = descriptorModelId();
const T = '2026-01-01T00:00:00.000Z';

async function facesOf(file: string): Promise<AnalyzedFace[]> {
  return (await analyzeFaces(models, await decodeImageFile(file))).faces;
}

/**
 * The store as FaceKit wrote it before this change: the migrations up to v4, then people, photos and faces
 * with the old-style model id and real embeddings and boxes of the fixture photos.
 */
async function buildPreChangeStore(): Promise<void> {
  const obamaFace = at(await facesOf(copies.obama), 0);
  const groupFaces = await facesOf(copies.group);
  // Obama's face in the group photo: the one nearest his own photo's.
  const obamaInGroup = [...groupFaces].sort(
    (a, b) => euclidean(a.embedding, obamaFace.embedding) - euclidean(b.embedding, obamaFace.embedding),
  )[0];
  assert.ok(obamaInGroup && groupFaces.length >= 2, `faces in the group photo: ${groupFaces.length}`);
  const rows: { person: string; file: string; face: AnalyzedFace }[] = [
    { person: 'Barack Obama', file: copies.obama, face: obamaFace },
    { person: 'Barack Obama', file: copies.group, face: obamaInGroup },
    { person: 'Joe Biden', file: copies.biden, face: at(await facesOf(copies.biden), 0) },
    { person: 'Kit Harington', file: copies.kit, face: at(await facesOf(copies.kit), 0) },
    // Enrolled in the app: the photo record carries the upload's name, no path, and no photo is kept.
    { person: 'Rose Leslie', file: 'camera-shot.jpg', face: at(await facesOf(photo.rose), 0) },
  ];
  const raw = new Database(dbFile);
  migrate(raw, migrations.slice(0, 4));
  for (const [i, { person, file, face }] of rows.entries()) {
    raw
      .prepare('INSERT INTO people (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING')
      .run(person, person.toLowerCase(), T, T);
    const personId = raw.prepare('SELECT id FROM people WHERE name_key = ?').pluck().get(person.toLowerCase());
    const sha256 = path.isAbsolute(file) ? (await decodeImageFile(file)).sha256 : String(i).repeat(64);
    raw.prepare('INSERT INTO photos (sha256, path, width, height, imported_at) VALUES (?, ?, 640, 480, ?)').run(sha256, file, T);
    const photoId = raw.prepare('SELECT id FROM photos WHERE sha256 = ?').pluck().get(sha256);
    raw
      .prepare(
        `INSERT INTO faces (person_id, photo_id, face_index, box_x, box_y, box_w, box_h, score, face_size, blur, model_id, dim, embedding, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        personId,
        photoId,
        face.index,
        face.box.x,
        face.box.y,
        face.box.width,
        face.box.height,
        face.score,
        face.quality.faceSize,
        face.quality.blur,
        OLD_ID,
        face.embedding.length,
        encodeEmbedding(face.embedding),
        T,
      );
  }
  assert.equal(raw.pragma('user_version', { simple: true }), 4);
  raw.close();
}

const nameOf = (store: Store, personId: number) => store.listPeople().find((p) => p.id === personId)?.name;
const countsByName = (store: Store) => {
  const counts = outdatedByPerson(store);
  return Object.fromEntries(store.listPeople().map((p) => [p.name, counts.get(p.id) ?? { outdated: 0, needReenrolment: 0 }]));
};

test('a store from before pipeline ids opens, migrates, and its faces are listed as outdated, never searched', async () => {
  assert.notEqual(OLD_ID, currentPipelineId(), 'the current pipeline id names the chip as well as the descriptor');
  await buildPreChangeStore();
  const store = Store.open(dbFile);
  try {
    assert.equal(store.schemaVersion(), latestVersion);
    assert.deepEqual(
      store.listPeople().map((p) => [p.name, p.faceCount]),
      [
        ['Barack Obama', 2],
        ['Joe Biden', 1],
        ['Kit Harington', 1],
        ['Rose Leslie', 1],
      ],
    );
    assert.equal(store.outdatedFaces(currentPipelineId()).length, 5);
    // Rose was enrolled in the app: no photo was kept, so she needs re-enrolment before any upgrade.
    assert.deepEqual(countsByName(store), {
      'Barack Obama': { outdated: 2, needReenrolment: 0 },
      'Joe Biden': { outdated: 1, needReenrolment: 0 },
      'Kit Harington': { outdated: 1, needReenrolment: 0 },
      'Rose Leslie': { outdated: 1, needReenrolment: 1 },
    });

    // The stored embeddings are the very ones the current pipeline makes for obama.jpg (distance 0 if it
    // compared them), yet neither identification nor verification uses them: they belong to another id.
    const result = await identify(models, store, await decodeImageFile(copies.obama));
    assert.equal(at(result.faces, 0).match, null);
    assert.deepEqual(at(result.faces, 0).candidates, []);
    await assert.rejects(verify(models, store, 'Barack Obama', await decodeImageFile(photo.obama2)), (e: unknown) => {
      assert.ok(isFaceKitError(e) && e.code === 'NOT_FOUND', String(e));
      assert.match(e.message, /no faces enrolled with the current face model/);
      return true;
    });
  } finally {
    store.close();
  }
});

test('upgrade re-embeds the faces whose photo is still there; the others need re-enrolment and stay out of search', async () => {
  fs.rmSync(copies.biden); // the photo is gone
  fs.copyFileSync(photo.kit2, copies.kit); // another photo under the same name
  const store = Store.open(dbFile);
  try {
    const progress: [number, number][] = [];
    const report = await upgradeFaces(models, store, { onProgress: (done, total) => progress.push([done, total]) });
    assert.equal(report.pipelineId, currentPipelineId());
    assert.equal(report.checked, 5);
    assert.deepEqual(report.upgraded.map((f) => f.person).sort(), ['Barack Obama', 'Barack Obama']);
    for (const f of report.upgraded) assert.ok(f.overlap > 0.9, `face ${f.faceId}: the same detector finds the same box (${f.overlap})`);
    assert.deepEqual(report.needReenrolment.map((f) => [f.person, f.problem]).sort(), [
      ['Joe Biden', 'photo-missing'],
      ['Kit Harington', 'photo-changed'],
      ['Rose Leslie', 'no-photo'],
    ]);
    assert.deepEqual(progress.at(-1), [5, 5]);
    assert.deepEqual(countsByName(store), {
      'Barack Obama': { outdated: 0, needReenrolment: 0 },
      'Joe Biden': { outdated: 1, needReenrolment: 1 },
      'Kit Harington': { outdated: 1, needReenrolment: 1 },
      'Rose Leslie': { outdated: 1, needReenrolment: 1 },
    });

    // Obama is found again, from another photo of him.
    const obama = await identify(models, store, await decodeImageFile(photo.obama2));
    assert.equal(at(obama.faces, 0).match?.name, 'Barack Obama');
    assert.equal((await verify(models, store, 'Barack Obama', await decodeImageFile(photo.obama3))).match, true);
    // Biden's old embedding is not mixed into search: he is not a candidate for his own face.
    const biden = await identify(models, store, await decodeImageFile(photo.biden2));
    for (const face of biden.faces) {
      assert.ok(!face.candidates.some((c) => nameOf(store, c.personId) === 'Joe Biden'));
      assert.equal(face.match, null);
    }

    // Tried for this pipeline: a background run skips them; an explicit run tries again (cheaply: no photo to analyse).
    assert.equal((await upgradeFaces(models, store, { skipTried: true })).checked, 0);
    const again = await upgradeFaces(models, store);
    assert.equal(again.checked, 3);
    assert.equal(again.upgraded.length, 0);
  } finally {
    store.close();
  }
});

test('a photo put back is re-embedded on the next run, and the person is recognised again', async () => {
  fs.copyFileSync(photo.biden, copies.biden);
  const store = Store.open(dbFile);
  try {
    const report = await upgradeFaces(models, store);
    assert.deepEqual(
      report.upgraded.map((f) => f.person),
      ['Joe Biden'],
    );
    assert.deepEqual(countsByName(store)['Joe Biden'], { outdated: 0, needReenrolment: 0 });
    const biden = await identify(models, store, await decodeImageFile(photo.biden2));
    assert.equal(at(biden.faces, 0).match?.name, 'Joe Biden');
  } finally {
    store.close();
  }
});

test('the CLI lists who needs re-enrolment and `faces upgrade` exits 4 naming them', async () => {
  const list = await runCli(['--db', dbFile, '--json', 'people', 'list']);
  assert.equal(list.code, 0, list.stderr);
  const byName = Object.fromEntries(
    (list.json.people as { name: string; outdatedFaces: number; needReenrolment: number }[]).map((p) => [p.name, p]),
  );
  assert.equal(byName['Kit Harington']?.needReenrolment, 1);
  assert.equal(byName['Barack Obama']?.outdatedFaces, 0);

  const text = await runCli(['--db', dbFile, 'people', 'list']);
  assert.match(text.stdout, /Kit Harington\t1 face\(s\)\t1 photo\(s\)\t1 face\(s\) need re-enrolment/);
  assert.match(text.stdout, /Barack Obama\t2 face\(s\)\t2 photo\(s\)\n/);

  const upgrade = await runCli(['--db', dbFile, '--json', 'faces', 'upgrade']);
  assert.equal(upgrade.code, 4, upgrade.stderr);
  assert.deepEqual(
    (upgrade.json.needReenrolment as { person: string }[]).map((f) => f.person),
    ['Kit Harington', 'Rose Leslie'],
  );
  const outdated = await runCli(['--db', dbFile, 'faces', 'outdated']);
  assert.equal(outdated.code, 0, outdated.stderr);
  assert.match(outdated.stdout, /Rose Leslie\tface \d+\tcamera-shot\.jpg\tneeds re-enrolment: no photo on disk/);
});
