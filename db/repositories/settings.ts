// Runs wherever the store does. The one writer of the `settings` table: values are stored as JSON.
// Runs inside the caller's transaction (Store#write: IMMEDIATE).
import { FaceKitError } from '../../api/errors.ts';
import type { StoreDatabase } from '../types.ts';

function toJson(key: string, value: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new FaceKitError('BAD_INPUT', 'setting key is empty');
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new FaceKitError('BAD_INPUT', `setting "${key}" is not JSON-serialisable: ${(error as Error).message}`);
  }
  if (json === undefined) throw new FaceKitError('BAD_INPUT', `setting "${key}" is not JSON-serialisable`);
  return json;
}

export class SettingsRepository {
  readonly #get;
  readonly #upsert;
  readonly #insertIfAbsent;
  readonly #delete;

  constructor(db: StoreDatabase) {
    this.#get = db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck();
    this.#upsert = db.prepare<[string, string, string]>(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
    this.#insertIfAbsent = db.prepare<[string, string, string]>(
      'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
    );
    this.#delete = db.prepare<[string]>('DELETE FROM settings WHERE key = ?');
  }

  get<T>(key: string): T | undefined {
    const value = this.#get.get(key);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  /** Stores `value` as JSON, replacing what was there. */
  set(key: string, value: unknown, updatedAt: string): void {
    this.#upsert.run(key, toJson(key, value), updatedAt);
  }

  /** Stores `value` unless the key has one already (import keeps the store's); true if it was added. */
  addIfAbsent(key: string, value: unknown, updatedAt: string): boolean {
    return this.#insertIfAbsent.run(key, toJson(key, value), updatedAt).changes > 0;
  }

  delete(key: string): void {
    if (typeof key !== 'string' || key.length === 0) throw new FaceKitError('BAD_INPUT', 'setting key is empty');
    this.#delete.run(key);
  }
}
