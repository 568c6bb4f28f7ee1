// One writer per table: SQL that writes people, photos, faces, check-ins or settings appears only in
// that table's module in db/repositories/ (the gallery's only in db/gallery.ts), nowhere else in the
// code. Migrations create the schema and are left out.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { at } from '../../helpers/assert.ts';
import { ROOT as root } from '../../helpers/fixtures.ts';
const owners: Record<string, string> = {
  people: 'db/repositories/people.ts',
  photos: 'db/repositories/photos.ts',
  faces: 'db/repositories/faces.ts',
  checkins: 'db/repositories/checkins.ts',
  settings: 'db/repositories/settings.ts',
  spoof_attempts: 'db/repositories/spoof-attempts.ts',
  gallery: 'db/gallery.ts',
  visitors: 'db/repositories/visitors.ts',
  visitor_faces: 'db/repositories/visitors.ts',
};
const WRITE =
  /\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+(people|photos|faces|checkins|settings|gallery|spoof_attempts|visitors|visitor_faces)\b/g;

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    // db/postgres writes the registry's own tables (PostgreSQL, registry mode): checked below, apart.
    if (e.isDirectory()) return rel === 'db/migrations' || rel === 'db/postgres' ? [] : sources(rel);
    return /\.(ts|svelte)$/.test(e.name) ? [rel] : [];
  });
}

test('each table is written by its one module', () => {
  const writers = new Map<string, Set<string>>();
  for (const dir of ['api', 'db', 'engine', 'host', 'serve', 'cli', 'electron', 'bench']) {
    if (!fs.existsSync(path.join(root, dir))) continue;
    for (const file of sources(dir)) {
      for (const m of fs.readFileSync(path.join(root, file), 'utf8').matchAll(WRITE)) {
        const table = at(m, 1, `the table of a write in ${file}`);
        let files = writers.get(table);
        if (!files) writers.set(table, (files = new Set()));
        files.add(file);
      }
    }
  }
  for (const [table, owner] of Object.entries(owners)) {
    assert.deepEqual([...(writers.get(table) ?? [])], [owner], `writes to ${table}`);
  }
});

test("the registry's tables (PostgreSQL) are written only by db/postgres/registry.ts", () => {
  const files = fs.readdirSync(path.join(root, 'db', 'postgres'), { recursive: true });
  const offenders = files
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('migrations') && f !== 'registry.ts')
    .filter((f) => [...fs.readFileSync(path.join(root, 'db', 'postgres', f), 'utf8').matchAll(WRITE)].length > 0);
  assert.deepEqual(offenders, []);
});
