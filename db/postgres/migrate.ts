// Runs wherever the store does. Numbered migrations for the registry (PostgreSQL), tracked in
// schema_migrations; applied under an advisory lock so two kiosks starting at once migrate once.
import { FaceKitError } from '../../api/errors.ts';
import type { Migration } from '../migrate.ts';
import type { RegistryClient } from './client.ts';

const MIGRATE_LOCK = 0x46_4b_4d_47; // "FKMG"

export async function registryVersion(client: RegistryClient): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version)::int AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

/** Applies pending migrations (each with its version row, in one transaction); refuses a newer registry. */
export async function migrateRegistry(client: RegistryClient, migrations: readonly Migration[]): Promise<{ from: number; to: number }> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new FaceKitError('INTERNAL', `registry migration list out of order at ${i} (${m.name})`);
  });
  const latest = migrations.length;
  const check = (v: number): number => {
    if (v > latest) {
      throw new FaceKitError('STORE_VERSION', `the registry has schema version ${v}; this FaceKit knows up to ${latest} — update FaceKit`);
    }
    return v;
  };
  const from = check(await registryVersion(client));
  if (from === latest) return { from, to: from };
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const now = check(await registryVersion(client)); // re-read under the lock: another kiosk may have migrated
    for (const m of migrations) {
      if (m.version <= now) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { from, to: latest };
}
