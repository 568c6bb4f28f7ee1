// Runs in the CLI. facekit bench search: 1:n search at a given size, in a temporary store of synthetic
// faces (never the user's). One row per process, so its memory is that row's alone; bench/scale.bench.ts
// runs one child per size.
import type { Command } from 'commander';
import { measureSearchScale, type SearchScaleResult } from '../../engine/evaluation/search-scale.ts';
import { CliContext } from '../context.ts';
import { parsePositiveIntegerArg } from '../arguments.ts';

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function humanRow(r: SearchScaleResult): string[] {
  const header = ['faces', 'people', 'build s', 'median ms', 'p99 ms', 'agreement', 'same decision', 'exact ms', 'speed-up', 'RSS MB', 'of which index'];
  const row = [String(r.size), String(r.people), (r.build_ms / 1000).toFixed(1), ms(r.median_ms), ms(r.p99_ms), pct(r.agreement), pct(r.decision_agreement),
    ms(r.exact_median_ms), `${(r.exact_median_ms / r.median_ms).toFixed(0)}×`, r.rss_mb.toFixed(0), r.index_mb.toFixed(0)];
  const widths = header.map((h, i) => Math.max(h.length, row[i]!.length));
  return [header, row].map((cells) => cells.map((c, i) => c.padStart(widths[i]!)).join('  '));
}

export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('measure speed on synthetic data (a temporary store; yours is not touched)');

  bench
    .command('search')
    .description('1:n search over N synthetic faces: HNSW index build and query times, agreement with the exact scan, memory')
    .requiredOption('--size <n>', 'faces stored (a multiple of --per-person)', parsePositiveIntegerArg)
    .option('--per-person <n>', 'faces enrolled per person', parsePositiveIntegerArg, 5)
    .option('--queries <n>', 'queries, 10 % of them people never enrolled', parsePositiveIntegerArg, 300)
    .action((opts: { size: number; perPerson: number; queries: number }, command: Command) => {
      const ctx = CliContext.from(command);
      const bars = { fill: ctx.progressWhenKnown('filling'), exact: ctx.progressWhenKnown('exact reference') };
      const result = measureSearchScale({
        size: opts.size, facesPerPerson: opts.perPerson, queries: opts.queries,
        onProgress: (stage, done, total) => {
          bars[stage].update(done, total);
          if (done === total) bars[stage].finish();
        },
      });
      ctx.output(result, () => humanRow(result));
    });
}
