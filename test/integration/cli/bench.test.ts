// facekit bench search as bench/scale.bench.ts runs it: one size per process, JSON on stdout, and the
// user's store untouched.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/fixtures.ts';

const db = path.join(tempDir(), 'store.db');
const cli = (...args: string[]) => runCli(args, { FACEKIT_DB: db });

test('bench search prints one row as JSON, in a temporary store', async () => {
  const r = await cli('bench', 'search', '--size', '2000', '--queries', '50', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no progress bar in --json mode');
  for (const key of [
    'size',
    'build_ms',
    'median_ms',
    'p99_ms',
    'agreement',
    'decision_agreement',
    'exact_median_ms',
    'rss_mb',
    'index_mb',
  ]) {
    assert.equal(typeof r.json[key], 'number', key);
  }
  assert.deepEqual([r.json.size, r.json.people, r.json.queries, r.json.strangers], [2000, 400, 50, 5]);
  assert.ok(r.json.agreement >= 0.9 && r.json.agreement <= 1, `agreement ${r.json.agreement}`);
  assert.ok(r.json.median_ms <= r.json.p99_ms);
  assert.equal(existsSync(db), false, "the user's store is not created");

  const human = await cli('bench', 'search', '--size', '1000', '--queries', '20');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^ *faces +people +build s +median ms.*\n +1000 +200 /);
});

test('bench search refuses a size that is not whole people', async () => {
  const r = await cli('bench', 'search', '--size', '1001');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /size \(1001\) must be a multiple of faces per person \(5\)/);
  assert.equal((await cli('bench', 'search', '--size', '0')).code, 2);
});

test('bench style --json: one row per thread count, same image, at a tiny size', async () => {
  const r = await cli('bench', 'style', '--size', '48', '--threads', '1,2', '--iterations', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.json.rows.map((row: { threads: number }) => row.threads),
    [1, 2],
  );
  for (const row of r.json.rows) assert.ok(row.ms_per_iteration > 0, `ms_per_iteration ${row.ms_per_iteration}`);
  assert.equal(typeof r.json.backend, 'string');
  assert.deepEqual([r.json.size, r.json.width, r.json.height], [48, 48, 36]);
  // 36 rows make two bands aligned to the 16 rows that four poolings need.
  assert.deepEqual(
    r.json.rows.map((row: { bands: number }) => row.bands),
    [1, 2],
  );
  assert.equal((await cli('bench', 'style', '--size', '64', '--threads', '0')).code, 2);
});
