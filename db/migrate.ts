// Generic numbered migrations tracked by PRAGMA user_version. Knows nothing of FaceKit's schema.
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { FaceKitError } from '../api/errors.ts';

export interface Migration {
  /** 1-based; migration N takes user_version N-1 to N. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new FaceKitError('INTERNAL', `migration list out of order: entry ${i} is version ${m.version} (${m.name})`);
    }
  });
}

/**
 * Refuses a database written by a newer FaceKit. Reads only, so it is safe to call before any
 * pragma that would touch the file (journal_mode=WAL rewrites the header).
 */
export function assertKnownVersion(db: Database, migrations: readonly Migration[]): number {
  const current = schemaVersion(db);
  const latest = migrations.length;
  if (current > latest) {
    throw new FaceKitError(
      'STORE_VERSION',
      `database ${db.name} has schema version ${current}; this FaceKit knows up to ${latest} — update FaceKit`,
    );
  }
  return current;
}

/**
 * Applies the pending migrations, each in its own IMMEDIATE transaction together with the
 * user_version bump, so a failure leaves the database at the last complete version.
 * Foreign keys are verified before each commit (table rebuilds that need foreign_keys=OFF are not
 * supported yet; the pragma cannot change inside a transaction).
 */
export function migrate(db: Database, migrations: readonly Migration[]): { from: number; to: number } {
  checkList(migrations);
  const from = assertKnownVersion(db, migrations);
  for (const m of migrations) {
    if (m.version <= from) continue;
    db.transaction(() => {
      // Re-read under the write lock: another process may have migrated meanwhile.
      const now = schemaVersion(db);
      if (now >= m.version) return;
      db.exec(m.sql);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) {
        throw new FaceKitError('INTERNAL', `migration ${m.version} (${m.name}) broke ${broken.length} foreign key(s)`);
      }
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return { from, to: assertKnownVersion(db, migrations) };
}
