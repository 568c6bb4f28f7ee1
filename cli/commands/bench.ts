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
  const columns: [header: string, value: string][] = [
    ['faces', String(r.size)],
    ['people', String(r.people)],
    ['build s', (r.build_ms / 1000).toFixed(1)],
    ['median ms', ms(r.median_ms)],
    ['p99 ms', ms(r.p99_ms)],
    ['agreement', pct(r.agreement)],
    ['same decision', pct(r.decision_agreement)],
    ['exact ms', ms(r.exact_median_ms)],
    ['speed-up', `${(r.exact_median_ms / r.median_ms).toFixed(0)}×`],
    ['RSS MB', r.rss_mb.toFixed(0)],
    ['of which index', r.index_mb.toFixed(0)],
  ];
  const padded = columns.map(([header, value]) => {
    const width = Math.max(header.length, value.length);
    return [header.padStart(width), value.padStart(width)] as const;
  });
  return [padded.map(([header]) => header).join('  '), padded.map(([, value]) => value).join('  ')];
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
        size: opts.size,
        facesPerPerson: opts.perPerson,
        queries: opts.queries,
        onProgress: (stage, done, total) => {
          bars[stage].update(done, total);
          if (done === total) bars[stage].finish();
        },
      });
      ctx.output(result, () => humanRow(result));
    });
}
