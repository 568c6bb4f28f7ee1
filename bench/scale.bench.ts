// 1:n search at 10 k, 100 k and 1 M stored faces (synthetic, clustered per identity): the HNSW index
// (db/search/face-search.ts) against the exact scan (db/search/exact.ts) on the same queries in the
// same run. Each size runs as its own `facekit bench search` process, so its memory is its own.
// The 1 M row takes ~10 minutes on 2 cores (filling the store, building the index, the exact reference);
// pass --quick to stop at 100 k.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SearchScaleResult } from '../engine/evaluation/search-scale.ts';
import { printTable } from './table.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function benchRow(size: number): Promise<SearchScaleResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin', 'facekit.js'), 'bench', 'search', '--size', String(size), '--json'],
      { maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`facekit bench search --size ${size} failed: ${stderr.trim() || error.message}`));
        else resolve(JSON.parse(stdout) as SearchScaleResult);
      },
    );
  });
}

export async function benchScale(quick = false): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const size of quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]) {
    const r = await benchRow(size);
    rows.push([
      r.size,
      r.build_ms / 1000,
      r.median_ms,
      r.p99_ms,
      `${(r.agreement * 100).toFixed(1)}%`,
      `${(r.decision_agreement * 100).toFixed(1)}%`,
      r.exact_median_ms,
      r.exact_median_ms / r.median_ms,
      Math.round(r.index_mb),
      Math.round(r.rss_mb),
    ]);
  }
  printTable(
    'Identification at scale: HNSW index (usearch, f16) vs the exact scan, 128-D synthetic faces, 5 per person, 300 queries (10 % strangers). ' +
      "Agreement: top-1 person equal to the exact scan's; same decision: same person or unknown at threshold 0.6. " +
      'Baseline: the exact scan, same queries, same run',
    ['faces stored', 'build s', 'median ms', 'p99 ms', 'agreement', 'same decision', 'exact ms', 'ratio', 'index MB', 'process RSS MB'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchScale(process.argv.includes('--quick'));
