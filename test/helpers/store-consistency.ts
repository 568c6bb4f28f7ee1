// Test-only. What a store must look like whatever happened to the process writing it: SQLite's own
// checks clean, and no half-written enrolment (a person without faces, a face without its person or
// photo, a photo no face came from). Opens the file the way the next FaceKit would (read-write, so
// a crashed writer's WAL is recovered), and reads only.
import fs from 'node:fs';
import Database from 'better-sqlite3';

export function storeProblems(file: string): string[] {
  if (!fs.existsSync(file)) return []; // killed before the store was created
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const problems: string[] = [];
    const integrity = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    if (integrity.map((r) => r.integrity_check).join() !== 'ok') problems.push(`integrity_check: ${JSON.stringify(integrity)}`);
    const foreignKeys = db.pragma('foreign_key_check') as unknown[];
    if (foreignKeys.length) problems.push(`foreign_key_check: ${JSON.stringify(foreignKeys)}`);
    const tables = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]);
    if (!tables.has('faces')) return problems; // killed before the first migration committed: nothing else to check
    const rows = (sql: string) => db.prepare(sql).all();
    const checks: [string, string][] = [
      ['people without faces', 'SELECT id, name FROM people p WHERE NOT EXISTS (SELECT 1 FROM faces f WHERE f.person_id = p.id)'],
      [
        'faces without their person',
        'SELECT id, person_id FROM faces f WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.id = f.person_id)',
      ],
      [
        'faces without a photo',
        'SELECT id, photo_id FROM faces f WHERE photo_id IS NULL OR NOT EXISTS (SELECT 1 FROM photos ph WHERE ph.id = f.photo_id)',
      ],
      ['photos without faces', 'SELECT id, path FROM photos ph WHERE NOT EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = ph.id)'],
      ['faces with a bad embedding', 'SELECT id FROM faces WHERE length(embedding) <> 4 * dim'],
    ];
    for (const [what, sql] of checks) {
      const found = rows(sql);
      if (found.length) problems.push(`${what}: ${JSON.stringify(found)}`);
    }
    return problems;
  } finally {
    db.close();
  }
}
