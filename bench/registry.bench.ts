// npm run bench -- registry: registry mode (#13) against a real PostgreSQL this bench starts itself
// (test/helpers/postgres.ts; needs Debian's postgresql binaries). Three tables, each against a baseline
// measured in the same run:
// (a) identify latency from a registry kiosk's cache vs a plain SQLite store with the same gallery
//     (synthetic 128-D faces with 5 kB thumbnails, store.faceSearch, top-5), plus the empty pull every
//     CLI command makes first;
// (b) check-in throughput to the server from two kiosks flushing at once vs one kiosk;
// (c) the first pull of a fresh kiosk (every face from zero) vs filling a local store with the same faces,
//     and `store migrate` of that store into the registry.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Store } from '../db/store.ts';
import { Replica } from '../db/sync/replica.ts';
import { copySqliteToRegistry } from '../db/sync/store-copy.ts';
import { openRegistry } from '../db/sync/registry-session.ts';
import { changesSince } from '../db/postgres/registry.ts';
import { SyntheticFaces } from '../engine/evaluation/synthetic-faces.ts';
import { fillSyntheticStore } from '../engine/evaluation/search-scale.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../test/helpers/postgres.ts';
import { medianMs, printTable } from './table.ts';

const KEY = 'registry bench key';
const MODEL = 'synthetic-128';
const PER_PERSON = 4;
const THUMBNAIL_BYTES = 5000; // a 128 px face JPEG is 4–6 kB

const elapsed = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
};

/** A registry of its own on the bench server (one database per table row). */
async function freshRegistry(server: TestPostgres, name: string): Promise<string> {
  const admin = new pg.Client(server.url);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return server.url.replace(/\/postgres$/, `/${name}`);
}

/** `faces` synthetic faces, four per person, each on a photo of its own with a thumbnail. */
function fillStore(store: Store, faces: number, synthetic: SyntheticFaces): void {
  const thumbnail = Buffer.alloc(THUMBNAIL_BYTES, 0xab);
  fillSyntheticStore(store, synthetic, { people: faces / PER_PERSON, perPerson: PER_PERSON, modelId: MODEL, thumbnail });
}

function tempStore(key?: string): Store {
  return Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-bench-registry-')), 'facekit.db'), key ? { key } : {});
}

function closeAndRemove(store: Store): void {
  store.close();
  fs.rmSync(path.dirname(store.file), { recursive: true, force: true });
}

async function benchGallery(
  server: TestPostgres,
  faces: number,
  search: (string | number)[][],
  sync: (string | number)[][],
): Promise<void> {
  const synthetic = new SyntheticFaces({ seed: 42 });
  const plain = tempStore();
  const [, fillMs] = await elapsed(() => fillStore(plain, faces, synthetic));
  const url = await freshRegistry(server, `bench_${faces}`);
  const [, migrateMs] = await elapsed(() => copySqliteToRegistry({ source: plain.file, url, key: KEY }));
  const cache = tempStore(KEY);
  const replica = new Replica(cache, { url, key: KEY, kiosk: 'bench' });
  try {
    await replica.connect(); // the key derivation (scrypt) is once per process, not part of a pull
    const [pulled, pullMs] = await elapsed(() => replica.pull());
    if (pulled.faces !== faces) throw new Error(`pulled ${pulled.faces} of ${faces} faces`);
    const { readMs, sealedMb } = await serverRead(url);
    const onePageMs = await firstPullInOnePage(url);
    sync.push([faces, fillMs, pullMs, pullMs / fillMs, onePageMs, readMs, sealedMb, migrateMs]);

    const query = synthetic.face(0, PER_PERSON); // a new photo of person 0
    const identify = (store: Store): unknown => store.faceSearch.nearestPeople(MODEL, query, 5);
    identify(plain);
    identify(cache);
    const base = await medianMs(31, () => identify(plain));
    const fromCache = await medianMs(31, () => identify(cache));
    const emptyPull = await medianMs(11, () => replica.pull());
    search.push([faces, base, fromCache, fromCache / base, emptyPull]);
  } finally {
    await replica.close();
    closeAndRemove(cache);
    closeAndRemove(plain);
  }
}

/** The same first pull unpaged (one read, one local transaction), into another fresh cache. */
async function firstPullInOnePage(url: string): Promise<number> {
  const cache = tempStore(KEY);
  const replica = new Replica(cache, { url, key: KEY, kiosk: 'one page', pullPageSize: Number.MAX_SAFE_INTEGER });
  try {
    await replica.connect();
    return (await elapsed(() => replica.pull()))[1];
  } finally {
    await replica.close();
    closeAndRemove(cache);
  }
}

/** What the first pull's one read costs on its own (the same query, one snapshot), and how much it carries. */
async function serverRead(url: string): Promise<{ readMs: number; sealedMb: number }> {
  const session = await openRegistry(url, KEY);
  try {
    const [, readMs] = await elapsed(() => changesSince(session.client, 0));
    const r = await session.client.query<{ b: string }>('SELECT sum(length(sealed))::text AS b FROM faces');
    return { readMs, sealedMb: Number(r.rows[0]?.b ?? 0) / 2 ** 20 };
  } finally {
    await session.client.end();
  }
}

/** Queues `n` check-ins of one person, ten minutes apart (none within the cool-down of another). */
function queue(replica: Replica, n: number, offsetMinutes: number): void {
  const person = replica.store.requirePerson('Person 0');
  for (let i = 0; i < n; i++) {
    const at = new Date(Date.UTC(2031, 0, 1) + (offsetMinutes + i * 20) * 60_000).toISOString();
    replica.checkIn({ personId: person.id, personName: person.name, distance: 0.3, at, source: 'kiosk', cooldownSeconds: 300 });
  }
}

async function benchCheckins(server: TestPostgres, n: number): Promise<(string | number)[][]> {
  const url = await freshRegistry(server, 'bench_checkins');
  const kiosks = [tempStore(KEY), tempStore(KEY)].map((s, i) => new Replica(s, { url, key: KEY, kiosk: `door ${i + 1}` }));
  const synthetic = new SyntheticFaces({ seed: 1 });
  try {
    const [one, two] = kiosks as [Replica, Replica];
    await one.enrol(
      'Person 0',
      { sha256: 'f'.repeat(64), path: '/p.jpg', width: 640, height: 480 },
      {
        faceIndex: 0,
        box: { x: 0, y: 0, width: 100, height: 100 },
        score: 0.99,
        faceSize: 100,
        blur: 500,
        modelId: MODEL,
        embedding: synthetic.face(0, 0),
      },
    );
    await two.pull();
    queue(one, n, 0);
    const [alone, aloneMs] = await elapsed(() => one.flush());
    queue(one, n, 10); // between the first batch's times: a separate set, still 10 minutes from each
    queue(two, n, 5 + n * 20);
    const [both, bothMs] = await elapsed(() => Promise.all([one.flush(), two.flush()]));
    const sent = both[0].sent + both[1].sent;
    if (alone.sent !== n || sent !== 2 * n) throw new Error(`sent ${alone.sent} and ${sent}, expected ${n} and ${2 * n}`);
    const aloneRate = (n / aloneMs) * 1000;
    const bothRate = ((2 * n) / bothMs) * 1000;
    return [
      ['1 kiosk', n, aloneMs, aloneRate, 1],
      ['2 kiosks at once', 2 * n, bothMs, bothRate, bothRate / aloneRate],
    ];
  } finally {
    for (const k of kiosks) {
      await k.close();
      closeAndRemove(k.store);
    }
  }
}

export async function benchRegistry(quick = false): Promise<void> {
  const skip = postgresSkipReason();
  if (skip) {
    console.log(`\nRegistry bench skipped: ${skip}`);
    return;
  }
  const server = await startPostgres();
  try {
    const search: (string | number)[][] = [];
    const sync: (string | number)[][] = [];
    for (const faces of quick ? [1_000] : [1_000, 10_000]) await benchGallery(server, faces, search, sync);
    printTable(
      "Registry mode: identify from a kiosk's cache (encrypted, pulled from the registry), ms per query (top-5, warm). Baseline: a plain SQLite store with the same gallery",
      ['faces', 'plain SQLite', 'registry cache', 'ratio', 'empty pull ms'],
      search,
    );
    printTable(
      'Registry mode: check-ins flushed to the server (one transaction each, cool-down checked under the lock). Baseline: one kiosk',
      ['kiosks', 'check-ins', 'ms', 'per second', 'throughput ratio'],
      await benchCheckins(server, quick ? 100 : 300),
    );
    printTable(
      `Registry mode: a fresh kiosk's first pull (every face, ${THUMBNAIL_BYTES / 1000} kB thumbnails, pages of 1000 rows), ms. Baseline: filling a local store with the same faces`,
      ['faces', 'local fill', 'first pull', 'ratio', 'unpaged pull', 'one server read', 'MB sealed', 'store migrate ms'],
      sync,
    );
  } finally {
    server.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRegistry(process.argv.includes('--quick'));
