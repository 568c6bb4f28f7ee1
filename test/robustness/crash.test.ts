// Crash safety (issue #5): `facekit enroll` killed with SIGKILL at seeded random moments of a batch
// enrolment, over and over, on one real SQLite file. After every kill the store must be consistent
// (SQLite's checks, no half-enrolled person, no orphan face or photo, every face with the right
// person); running the job again afterwards must finish it with every photo enrolled exactly once.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Store, type FaceRow } from '../../db/store.ts';
import { mulberry32 } from '../../engine/style/rng.ts';
import { runCli } from '../helpers/cli.ts';
import { at } from '../helpers/assert.ts';
import { FACES, ROOT, photo, tempDir } from '../helpers/fixtures.ts';
import { storeProblems } from '../helpers/store-consistency.ts';

const BIN = path.join(ROOT, 'bin', 'facekit.js');
const KNN = path.join(FACES, 'knn_examples');
const SEED = Number(process.env.FACEKIT_CRASH_SEED ?? 51);
const KILLS = 15;
const MAX_ROUNDS = 40;

/** The batch: one `facekit enroll NAME photos…` per person, as a user would type it. */
const JOB = [
  { name: 'Barack Obama', photos: [photo.obama, photo.obama2, photo.obama3, path.join(KNN, 'test', 'obama1.jpg'), photo.obamaRgba] },
  { name: 'Joe Biden', photos: [photo.biden, photo.biden2] },
  { name: 'Kit Harington', photos: [photo.kit, photo.kit2, path.join(KNN, 'test', 'johnsnow_test1.jpg')] },
  { name: 'Rose Leslie', photos: [photo.rose, photo.rose2] },
  {
    name: 'Alex Lacamoire',
    photos: [path.join(KNN, 'train', 'alex_lacamoire', 'img1.jpg'), path.join(KNN, 'test', 'alex_lacamoire1.jpg')],
  },
];
type Person = (typeof JOB)[number];

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const ownerOfPhoto = new Map(JOB.flatMap((p) => p.photos.map((f) => [sha256(f), p.name] as const)));

/**
 * When to kill. Starting the CLI and loading the models takes 2–3 s here and a photo 0.3–0.7 s, and
 * a run only writes photos not enrolled yet: so most kills wait for the run's first new face and
 * then a random while (they land among the later photos and their commits); the others come at a
 * random time after the start (store creation, migrations, model loading, the first photo).
 */
interface KillPlan {
  afterFirstFace: boolean;
  delayMs: number;
}

function planKill(rng: () => number, workLeft: boolean): KillPlan {
  const afterFirstFace = workLeft && rng() < 0.6;
  return afterFirstFace
    ? { afterFirstFace, delayMs: Math.round(rng() * 600) }
    : { afterFirstFace, delayMs: Math.round(300 + rng() * 2700) };
}

/** Faces stored so far, read through a connection of our own (WAL readers never block the writer). */
class FaceCounter {
  #db?: Database.Database;
  constructor(readonly file: string) {}
  count(): number {
    if (!this.#db && !fs.existsSync(this.file)) return 0;
    this.#db ??= new Database(this.file, { fileMustExist: true });
    try {
      return this.#db.prepare('SELECT count(*) FROM faces').pluck().get() as number;
    } catch {
      return 0; // not migrated yet
    }
  }
  close(): void {
    this.#db?.close();
    this.#db = undefined;
  }
}

async function runAndKill(db: string, person: Person, plan: KillPlan): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, '--db', db, '--json', 'enroll', person.name, ...person.photos], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
  if (plan.afterFirstFace) {
    const faces = new FaceCounter(db);
    const before = faces.count();
    while (!exited && faces.count() === before) await sleep(10);
    faces.close();
  }
  await Promise.race([sleep(plan.delayMs), exit]);
  if (!exited) child.kill('SIGKILL');
  const { code, signal } = await exit;
  return { killed: signal === 'SIGKILL', code, stderr };
}

/** The first person with a photo not enrolled yet: what a user re-running the batch would be waiting for. */
function nextPerson(db: string, round: number): { person: Person; workLeft: boolean } {
  const enrolled = new Set(fs.existsSync(db) ? listFaces(db).map((f) => f.photoSha256) : []);
  const person = JOB.find((p) => p.photos.some((f) => !enrolled.has(sha256(f))));
  return person ? { person, workLeft: true } : { person: at(JOB, round % JOB.length, 'the person of this round'), workLeft: false };
}

function listFaces(db: string): FaceRow[] {
  const store = Store.open(db);
  try {
    return store.listFaces();
  } finally {
    store.close();
  }
}

/** Faces in the store whose photo belongs to someone else, or to no one in the job. */
function misattributedFaces(db: string): string[] {
  if (!fs.existsSync(db)) return [];
  return listFaces(db)
    .filter((f) => ownerOfPhoto.get(f.photoSha256 ?? '') !== f.personName)
    .map((f) => `face ${f.id} of ${f.photoPath} is stored as ${f.personName}`);
}

test(`SIGKILL at ${KILLS}+ random moments of a batch enrolment leaves a consistent store, and a re-run finishes the job`, async (t) => {
  const db = path.join(tempDir('facekit-crash-'), 'store.db');
  const rng = mulberry32(SEED);
  const log: string[] = [];
  let kills = 0;
  let round = 0;
  let midBatch = 0;
  for (; kills < KILLS && round < MAX_ROUNDS; round++) {
    const { person, workLeft } = nextPerson(db, round);
    const plan = planKill(rng, workLeft);
    const facesBefore = fs.existsSync(db) ? listFaces(db).length : 0;
    const run = await runAndKill(db, person, plan);
    if (run.killed) kills++;
    else assert.equal(run.code, 0, `round ${round}: an enrolment that was not killed must succeed: ${run.stderr}`);
    const when = `${plan.afterFirstFace ? 'first new face + ' : 'start + '}${plan.delayMs} ms`;
    const problems = [...storeProblems(db), ...misattributedFaces(db)];
    assert.deepEqual(problems, [], `round ${round} (${person.name}, ${run.killed ? `killed at ${when}` : 'finished'}, seed ${SEED})`);
    const facesAfter = listFaces(db).length;
    if (run.killed && plan.afterFirstFace) midBatch++;
    log.push(
      `${String(round).padStart(5)}  ${person.name.padEnd(15)}${when.padStart(25)}  ${run.killed ? 'killed' : 'exited'}  ${facesBefore} → ${facesAfter}`,
    );
  }
  t.diagnostic(`seed ${SEED}: ${kills} kills in ${round} rounds, ${midBatch} of them after the run had written a face`);
  t.diagnostic('round  person                        kill at  outcome  faces');
  for (const line of log) t.diagnostic(line);
  assert.ok(kills >= KILLS, `only ${kills} of ${round} runs were still going when their kill came; the delays need calibrating`);

  // The user runs the whole job again (two commands at a time): it completes, and nothing is enrolled twice.
  const rerun = async (person: Person) => {
    const result = await runCli(['--db', db, '--json', 'enroll', person.name, ...person.photos]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.json.errors, []);
    assert.ok(result.json.results.every((r: { status: string }) => r.status === 'added' || r.status === 'already-enrolled'));
  };
  for (let i = 0; i < JOB.length; i += 2) await Promise.all(JOB.slice(i, i + 2).map(rerun));
  assert.deepEqual(storeProblems(db), []);
  const store = Store.open(db);
  try {
    assert.deepEqual(
      store
        .listPeople()
        .map((p) => p.name)
        .sort(),
      JOB.map((p) => p.name).sort(),
    );
    for (const person of JOB) {
      const enrolled = store
        .listFaces(person.name)
        .map((f) => f.photoSha256)
        .sort();
      assert.deepEqual(enrolled, [...new Set(person.photos.map(sha256))].sort(), `${person.name}: each photo exactly once`);
    }
  } finally {
    store.close();
  }
});
