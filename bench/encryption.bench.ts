// What encryption at rest costs: the same store operations on a plain store, an encrypted one with the
// app's raw 256-bit key, and one with a FACEKIT_KEY passphrase (PBKDF2 on every open). Baseline: the
// plain store, measured in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Store, type NewFace } from '../db/store.ts';
import { newRawKey } from '../db/key.ts';
import { expectDefined } from '../api/errors.ts';
import { medianMs, printTable } from './table.ts';

const FACES = 10_000;
const MODEL = 'bench-model';

function face(i: number): NewFace {
  const embedding = Float32Array.from({ length: 128 }, (_, j) => Math.sin(i * 131 + j));
  // A 128 px face JPEG is 4–6 kB; random bytes do not compress, like JPEG data.
  return {
    faceIndex: 0,
    box: { x: 0, y: 0, width: 100, height: 100 },
    score: 0.99,
    faceSize: 100,
    blur: 500,
    modelId: MODEL,
    embedding,
    thumbnail: randomBytes(5000),
  };
}
const photo = (i: number) => ({ sha256: i.toString(16).padStart(64, '0'), path: `/photos/${i}.jpg`, width: 640, height: 480 });

export async function benchEncryption(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-bench-crypt-'));
  const rawKey = newRawKey();
  const kinds: { name: string; key?: string }[] = [
    { name: 'plain (baseline)' },
    { name: 'encrypted, raw key (app)', key: rawKey },
    { name: 'encrypted, passphrase (CLI)', key: 'a passphrase typed by someone' },
  ];
  const results: { name: string; open: number; enrol: number; index: number; remove: number; size: number }[] = [];
  try {
    for (const [k, kind] of kinds.entries()) {
      const file = path.join(dir, `store-${k}.db`);
      const store = Store.open(file, { key: kind.key });
      // Bulk fill in one transaction (the bench is about per-operation cost, not this).
      store.batch(() => {
        for (let i = 0; i < FACES; i++) store.enrolFace(`person ${i % 2500}`, photo(i), face(i), { createIfMissing: true });
      });
      let next = FACES;
      const enrol = await medianMs(200, () =>
        store.enrolFace(`person ${next % 2500}`, photo(next), face(next++), { createIfMissing: true }),
      );
      store.close();
      const open = await medianMs(5, () => Store.open(file, { key: kind.key }).close());
      const reopened = Store.open(file, { key: kind.key });
      const index = await medianMs(3, () => {
        reopened.renamePerson('person 0', 'person 0 renamed'); // a rename invalidates the cached index
        reopened.renamePerson('person 0 renamed', 'person 0');
        return reopened.embeddingIndex(MODEL);
      });
      let victim = 1;
      const remove = await medianMs(5, () => reopened.removePerson(`person ${victim++}`));
      reopened.close();
      results.push({ name: kind.name, open, enrol, index, remove, size: fs.statSync(file).size / 1024 / 1024 });
    }

    const base = expectDefined(results[0], 'the baseline (plain store) result');
    printTable(
      `Store operations with encryption at rest (${FACES} faces, 5 kB thumbnails), ms. Baseline: the plain store`,
      ['store', 'open', 'enrol one face', 'load index', 'remove person', 'MB', 'enrol ×', 'index ×', 'remove ×'],
      results.map((r) => [
        r.name,
        r.open,
        r.enrol,
        r.index,
        r.remove,
        r.size,
        r.enrol / base.enrol,
        r.index / base.index,
        r.remove / base.remove,
      ]),
    );

    // Encrypting an existing plaintext store (first open with a key), against copying the file.
    const plain = path.join(dir, 'store-0.db');
    const copyMs = await medianMs(3, () => fs.copyFileSync(plain, path.join(dir, 'copy.db')));
    const encryptTimes = [0, 1, 2].map(() => {
      const target = path.join(dir, 'to-encrypt.db');
      fs.copyFileSync(plain, target);
      const t0 = performance.now();
      Store.open(target, { key: rawKey }).close();
      const ms = performance.now() - t0;
      fs.rmSync(target);
      return ms;
    });
    const encryptMs = expectDefined(encryptTimes.sort((a, b) => a - b)[1], 'the median encryption time');
    printTable(
      'Encrypting an existing plaintext store on first open with a key (raw key), ms. Baseline: copying the file',
      ['store MB', 'copy file', 'encrypt', 'ratio'],
      [[base.size, copyMs, encryptMs, encryptMs / copyMs]],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchEncryption();
