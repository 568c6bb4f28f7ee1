// 1:n search time over N stored embeddings (synthetic unit vectors), with the in-memory index warm,
// against rebuilding the index from the SQLite file first (what every query would cost without the cache).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { Store } from '../db/store.ts';
import { nearestPeople } from '../electron/engine/search.ts';
import { medianMs, printTable } from './table.ts';

const DIM = 128;
const MODEL = 'bench-model';

function randomUnitVector(random: () => number): Float32Array {
  const v = new Float32Array(DIM);
  let norm = 0;
  for (let i = 0; i < DIM; i++) {
    v[i] = random() - 0.5;
    norm += v[i]! * v[i]!;
  }
  for (let i = 0; i < DIM; i++) v[i]! /= Math.sqrt(norm);
  return v;
}

function seeded(seed: number): () => number {
  return () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Fills the store's file with `count` faces, 4 per person, through a second connection (enrolling real photos would take hours). */
function fillStore(file: string, count: number, random: () => number): void {
  const db = new Database(file);
  const insertPerson = db.prepare("INSERT INTO people (name, name_key, created_at, updated_at) VALUES (?, ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
  const insertFace = db.prepare(
    "INSERT INTO faces (person_id, photo_id, face_index, box_x, box_y, box_w, box_h, score, face_size, blur, model_id, dim, embedding, created_at) VALUES (?, NULL, 0, 0, 0, 100, 100, 0.99, 100, 500, ?, ?, ?, '2026-01-01T00:00:00.000Z')",
  );
  db.transaction(() => {
    let personId = 0;
    for (let i = 0; i < count; i++) {
      if (i % 4 === 0) personId = Number(insertPerson.run(`person ${i / 4}`, `person ${i / 4}`).lastInsertRowid);
      const v = randomUnitVector(random);
      insertFace.run(personId, MODEL, DIM, Buffer.from(v.buffer));
    }
  })();
  db.close();
}

export async function benchSearch(): Promise<void> {
  const rows: (string | number)[][] = [];
  const random = seeded(42);
  for (const count of [1_000, 10_000, 100_000]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-bench-'));
    const file = path.join(dir, 'bench.db');
    const store = Store.open(file); // creates the schema
    fillStore(file, count, random);
    const query = randomUnitVector(random);
    let renames = 0;
    const load = await medianMs(3, () => {
      // A rename changes what a search returns, so it drops the cached index (a check-in would not).
      store.renamePerson(renames % 2 ? 'person 0 renamed' : 'person 0', renames++ % 2 ? 'person 0' : 'person 0 renamed');
      return store.embeddingIndex(MODEL);
    });
    const index = store.embeddingIndex(MODEL);
    const search = await medianMs(21, () => nearestPeople(index, query, 5));
    rows.push([count, search, load + search, (load + search) / search]);
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    'Identification search (brute force, 128-D, top-5 people), ms per query. Baseline: the same query after loading the index from SQLite',
    ['faces stored', 'warm index', 'load + search', 'ratio'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSearch();
