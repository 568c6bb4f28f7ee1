// Concurrency (issue #5): the kiosk keeps writing check-ins (and reading the embedding index) through
// its own store connection while other processes enrol a batch and run a style transfer that
// records its result in the gallery, all on one fresh SQLite file. No write may fail with
// SQLITE_BUSY or anything else, and every check-in must be there afterwards.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Store } from '../../db/store.ts';
import { at } from '../helpers/assert.ts';
import { FACES, ROOT, STYLE, photo, tempDir } from '../helpers/fixtures.ts';
import { storeProblems } from '../helpers/store-consistency.ts';
import { writeRandomVgg19H5 } from '../helpers/vgg19-h5.ts';

const BIN = path.join(ROOT, 'bin', 'facekit.js');
const OBAMA = [photo.obama, photo.obama2, photo.obama3, path.join(FACES, 'knn_examples', 'test', 'obama1.jpg')];

interface Child {
  name: string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startCli(name: string, args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return { name, done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))) };
}

test('check-ins written in a loop while another process enrols and another stylises: no SQLITE_BUSY, none lost', async (t) => {
  const dir = tempDir('facekit-concurrency-');
  const db = path.join(dir, 'store.db');
  const weights = path.join(dir, 'vgg19-small.h5');
  await writeRandomVgg19H5(weights, {
    layout: 'keras1',
    channels: [8, 8, 16, 16, 32, 32, 32, 32, 64, 64, 64, 64, 64, 64, 64, 64],
    seed: 3,
  });

  // All three open the fresh file at about the same moment (creation and migrations race too).
  const children = [
    startCli('enroll', ['--db', db, '--json', 'enroll', 'Barack Obama', ...OBAMA]),
    startCli('stylize', [
      '--db',
      db,
      '--json',
      'stylize',
      path.join(STYLE, 'louvre_small.jpg'),
      path.join(STYLE, 'monet.jpg'),
      '-o',
      path.join(dir, 'out.png'),
      '--size',
      '96',
      '--iterations',
      '8',
      '--weights',
      weights,
    ]),
  ];
  let running = children.length;
  for (const child of children) void child.done.then(() => running--);

  const kiosk = Store.open(db);
  const errors: string[] = [];
  let written = 0;
  let indexReads = 0;
  const started = Date.now();
  try {
    while (running > 0) {
      try {
        kiosk.addCheckin({ personId: null, personName: `visitor ${written}`, distance: null, source: 'kiosk' });
        written++;
        // What the kiosk reads for every frame: the index of the current model, rebuilt when another process wrote.
        for (const { modelId } of kiosk.embeddingModels()) kiosk.embeddingIndex(modelId);
        indexReads++;
      } catch (error) {
        errors.push(String(error));
      }
      await sleep(2);
    }
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(
      `${written} check-ins and ${indexReads} index reads in ${seconds.toFixed(1)} s while the other processes ran (${(written / seconds).toFixed(0)} writes/s)`,
    );
    assert.deepEqual(errors, []);

    const [enrol, stylize] = await Promise.all(children.map((c) => c.done));
    assert.ok(enrol && stylize, 'both commands finished');
    assert.equal(enrol.code, 0, enrol.stderr);
    assert.equal(JSON.parse(enrol.stdout).results.filter((r: { status: string }) => r.status === 'added').length, OBAMA.length);
    assert.equal(stylize.code, 0, stylize.stderr);
    const gallery = kiosk.gallery.list();
    assert.equal(gallery.length, 1, 'the style result was recorded');

    const checkins = kiosk.listCheckins();
    assert.equal(checkins.length, written, 'every check-in is stored');
    assert.equal(new Set(checkins.map((c) => c.personName)).size, written);
    // The writes really overlapped: some check-ins fall between the first and the last enrolled face.
    const faceTimes = kiosk
      .listFaces()
      .map((f) => f.createdAt)
      .sort();
    const first = at(faceTimes, 0, 'the first enrolled face');
    const last = at(faceTimes, -1, 'the last enrolled face');
    const during = checkins.filter((c) => c.at > first && c.at < last).length;
    t.diagnostic(`${during} check-ins were written between the first and the last enrolled face`);
    assert.ok(during > 0, 'check-ins were written while the enrolment was writing');
    const styled = at(gallery, 0, 'the style result');
    assert.ok(
      checkins.some((c) => c.at > styled.createdAt),
      'check-ins went on after the style result was written',
    );
    // The kiosk's connection sees the other process's faces without reopening (data_version).
    const [model] = kiosk.embeddingModels();
    assert.ok(model, 'the kiosk sees the embedding model');
    assert.equal(kiosk.embeddingIndex(model.modelId).count, OBAMA.length);
  } finally {
    kiosk.close();
  }
  assert.deepEqual(storeProblems(db), []);
});
