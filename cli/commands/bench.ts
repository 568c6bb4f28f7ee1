// Runs in the CLI. facekit bench search: 1:n search at a given size, in a temporary store of synthetic
// faces (never the user's). One row per process, so its memory is that row's alone; bench/scale.bench.ts
// runs one child per size.
import type { Command } from 'commander';
import { measureSearchScale, type SearchScaleResult } from '../../engine/evaluation/search-scale.ts';
import { CliContext } from '../context.ts';
import { parsePositiveIntegerArg, integerInRange } from '../arguments.ts';
import { measureStyleSpeed, type StyleSpeedResult } from '../../engine/style/parallel/speed.ts';
import { InvalidArgumentError } from 'commander';

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

/** "1,2" → [1, 2]: thread counts for bench style. */
function parseThreadList(value: string): number[] {
  const counts = value.split(',').map((part) => Number(part));
  if (!counts.length || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64))
    throw new InvalidArgumentError(`"${value}" must be thread counts (1–64) separated by commas.`);
  return counts;
}

function styleSpeedLines(r: StyleSpeedResult): string[] {
  const base = r.rows[0]?.ms_per_iteration ?? NaN;
  return [
    `style transfer ${r.width}×${r.height}, median ms per loss+gradient iteration (${r.iterations} timed per thread count, interleaved, warm-up excluded), backend ${r.backend}`,
    'threads  bands  ms/iteration  speed-up',
    ...r.rows.map(
      (row) =>
        `${String(row.threads).padEnd(7)}  ${String(row.bands).padStart(5)}  ${row.ms_per_iteration.toFixed(0).padStart(12)}  ${(base / row.ms_per_iteration).toFixed(2).padStart(7)}×`,
    ),
  ];
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

  bench
    .command('style')
    .description(
      'style transfer: ms per iteration for each thread count, same image and layers (VGG-19 with random weights at real widths)',
    )
    .requiredOption('--size <px>', 'longer side of the 4:3 image (16–2048)', integerInRange({ min: 16, max: 2048 }))
    .option('--threads <list>', 'thread counts to compare, e.g. 1,2', parseThreadList, [1, 2])
    .option(
      '--iterations <n>',
      'timed iterations per thread count, interleaved round by round (two more run first, untimed)',
      parsePositiveIntegerArg,
      3,
    )
    .action(async (opts: { size: number; threads: number[]; iterations: number }, command: Command) => {
      const ctx = CliContext.from(command);
      const result = await measureStyleSpeed(opts);
      ctx.output(result, () => styleSpeedLines(result));
    });
}
