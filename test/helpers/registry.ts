// Runs in tests. What the registry tests (#13) share: a kiosk is a data folder, driven either through the
// CLI or in this process as its cache (Store) and Replica; plain SQL checks what landed on the server; and
// synthetic faces for the tests where recognition itself is not the point.
import path from 'node:path';
import pg from 'pg';
import { Store } from '../../db/store.ts';
import { Replica } from '../../db/sync/replica.ts';
import { runCli, type CliResult } from './cli.ts';
import type { TestPostgres } from './postgres.ts';

export class TestRegistry {
  readonly key: string;
  readonly #server: () => TestPostgres;

  /** `server` is read at each call: the test file starts it in before(). */
  constructor(key: string, server: () => TestPostgres) {
    this.key = key;
    this.#server = server;
  }

  get url(): string {
    return this.#server().url;
  }

  /** A kiosk's local cache: the default store of its data folder. */
  cacheOf(dataDir: string): string {
    return path.join(dataDir, 'facekit.db');
  }

  /** `facekit ARGS` as the kiosk of `dataDir` (its folder's name is its kiosk name). */
  cli(dataDir: string, args: string[], key = this.key): Promise<CliResult> {
    return runCli(args, { FACEKIT_DB: this.url, FACEKIT_DATA_DIR: dataDir, FACEKIT_KEY: key, FACEKIT_KIOSK: path.basename(dataDir) });
  }

  /** One query on a connection of its own, so it works across server stops and holds no lock afterwards. */
  async sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client(this.url);
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** A kiosk in this process: its cache and replica, closed when `fn` ends. */
  async withKiosk<T>(dataDir: string, fn: (replica: Replica, store: Store) => Promise<T>, key = this.key): Promise<T> {
    const store = Store.open(this.cacheOf(dataDir), { key });
    const replica = new Replica(store, { url: this.url, key, kiosk: path.basename(dataDir), connectTimeoutMs: 1500 });
    try {
      return await fn(replica, store);
    } finally {
      await replica.close();
      store.close();
    }
  }
}

export const SYNTHETIC_MODEL = 'test-model';

/** A 128-D embedding that is the same for the same seed and far from other seeds'. */
export const syntheticEmbedding = (seed: number): Float32Array =>
  Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 31 + i) * 0.1);

export const syntheticFace = (seed: number) => ({
  faceIndex: 0,
  box: { x: 10, y: 10, width: 80, height: 80 },
  score: 0.99,
  faceSize: 80,
  blur: 10,
  modelId: SYNTHETIC_MODEL,
  embedding: syntheticEmbedding(seed),
  thumbnail: null,
});

export const syntheticPhoto = (seed: number) => ({
  sha256: seed.toString(16).padStart(64, '0'),
  path: `/photos/synthetic-${seed}.jpg`,
  width: 100,
  height: 100,
});
