// 1:n exact search time over N stored embeddings (synthetic faces), with the in-memory index warm,
// against rebuilding the index from the SQLite file first (what every query would cost without the cache).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../db/store.ts';
import { nearestPeople } from '../db/search/exact.ts';
import { SyntheticFaces } from '../engine/evaluation/synthetic-faces.ts';
import { fillSyntheticStore, SYNTHETIC_MODEL } from '../engine/evaluation/search-scale.ts';
import { medianMs, printTable } from './table.ts';

/** As in the store today: a few photos per person (the synthetic faces cluster per identity like real ones). */
const FACES_PER_PERSON = 4;

export async function benchSearch(): Promise<void> {
  const rows: (string | number)[][] = [];
  const faces = new SyntheticFaces({ seed: 42 });
  for (const count of [1_000, 10_000, 100_000]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-bench-'));
    const file = path.join(dir, 'bench.db');
    const store = Store.open(file);
    fillSyntheticStore(store, faces, { people: count / FACES_PER_PERSON, perPerson: FACES_PER_PERSON });
    const query = faces.face(0, FACES_PER_PERSON); // a new photo of person 0
    let renames = 0;
    const load = await medianMs(3, () => {
      // A rename changes what a search returns, so it drops the cached index (a check-in would not).
      store.renamePerson(renames % 2 ? 'Person 0 renamed' : 'Person 0', renames++ % 2 ? 'Person 0' : 'Person 0 renamed');
      return store.embeddingIndex(SYNTHETIC_MODEL);
    });
    const index = store.embeddingIndex(SYNTHETIC_MODEL);
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
