// Hostile images (issue #5): a few hundred files mutated from real fixture photos go through
// decode → detect in a child process. Each must end in a result or a BAD_INPUT error that names it,
// within 10 s; the child must neither crash (a native fault in sharp/libvips) nor hang, and its
// memory must stay bounded. A failure names the case's seed and what was done to the bytes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { ROOT } from '../helpers/fixtures.ts';
import type { FuzzEvent } from './fuzz-worker.ts';

const WORKER = path.join(ROOT, 'test', 'robustness', 'fuzz-worker.ts');
const BASE_SEED = Number(process.env.FACEKIT_FUZZ_SEED ?? 20261130);
const COUNT = Number(process.env.FACEKIT_FUZZ_COUNT ?? 336);
const CASE_LIMIT_MS = 10_000;
/** Loading the backend and the models, before the first case. */
const STARTUP_LIMIT_MS = 60_000;
const RSS_GROWTH_LIMIT = 1.5 * 2 ** 30;

type Start = Extract<FuzzEvent, { type: 'start' }>;
type Outcome = Extract<FuzzEvent, { type: 'result' | 'error' }>;

interface FuzzRun {
  starts: Map<number, Start>;
  outcomes: Outcome[];
  ready?: Extract<FuzzEvent, { type: 'ready' }>;
  done?: Extract<FuzzEvent, { type: 'done' }>;
  /** The case that was running when the watchdog fired. */
  hung?: Start;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  stderr: string;
  lastStart?: Start;
}

function runWorker(): Promise<FuzzRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, String(BASE_SEED), String(COUNT)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Omit<FuzzRun, 'exit'> = { starts: new Map(), outcomes: [], stderr: '' };
  child.stderr.on('data', (chunk) => (run.stderr = (run.stderr + chunk).slice(-4000)));
  let watchdog: NodeJS.Timeout | undefined;
  const arm = (ms: number, onFire: () => void) => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      onFire();
      child.kill('SIGKILL');
    }, ms);
  };
  arm(STARTUP_LIMIT_MS, () => undefined);
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('FUZZ ')) return; // a library's own output
    const event = JSON.parse(line.slice(5)) as FuzzEvent;
    if (event.type === 'ready') run.ready = event;
    else if (event.type === 'start') {
      run.starts.set(event.index, event);
      run.lastStart = event;
      arm(CASE_LIMIT_MS, () => (run.hung = event));
    } else if (event.type === 'done') {
      run.done = event;
      clearTimeout(watchdog);
    } else {
      run.outcomes.push(event);
      arm(CASE_LIMIT_MS, () => undefined); // between cases: making the next one is quick
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ ...run, exit: { code, signal } });
    });
  });
}

const describeCase = (s: Start | undefined) =>
  s
    ? `case ${s.index} "${s.name}" (seed ${s.seed}, from ${s.from}: ${s.detail}; reproduce with FACEKIT_FUZZ_SEED=${BASE_SEED})`
    : 'before the first case';
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

test(`${COUNT} mutated JPEG/PNG/WebP files: a result or a clear BAD_INPUT error each, no crash, no hang, bounded memory`, async (t) => {
  const run = await runWorker();
  assert.equal(run.hung, undefined, `no answer within ${CASE_LIMIT_MS / 1000} s: ${describeCase(run.hung)}`);
  assert.ok(
    run.done && run.exit.code === 0,
    `the worker died (exit ${run.exit.code}, signal ${run.exit.signal}) during ${describeCase(run.lastStart)}:\n${run.stderr}`,
  );
  assert.equal(run.outcomes.length, COUNT);

  const unclear: string[] = [];
  const kinds = new Map<string, { results: number; errors: number; slowestMs: number }>();
  for (const o of run.outcomes) {
    const s = run.starts.get(o.index);
    assert.ok(s, `case ${o.index} has a start`);
    const row = kinds.get(s.kind) ?? { results: 0, errors: 0, slowestMs: 0 };
    kinds.set(s.kind, row);
    row.slowestMs = Math.max(row.slowestMs, o.ms);
    if (o.type === 'result') row.results++;
    else row.errors++;
    if (o.ms > CASE_LIMIT_MS) unclear.push(`${describeCase(s)}: took ${o.ms.toFixed(0)} ms`);
    if (o.type === 'error' && (o.code !== 'BAD_INPUT' || !o.message.startsWith(`${s.name}: `))) {
      unclear.push(`${describeCase(s)}: ${o.errorName} ${o.code ?? ''}: ${o.message}`);
    }
    // The reason is readable: no empty detail "()" or "(…:)", no wrapper text from sharp without its point.
    if (o.type === 'error' && /\(\s*\)|:\s*\)|Input buffer has/.test(o.message))
      unclear.push(`${describeCase(s)}: unclear reason: ${o.message}`);
    if (s.kind === 'unchanged' && !(o.type === 'result' && o.faces >= 1)) {
      unclear.push(`${describeCase(s)}: the unchanged photo should give its face, got ${JSON.stringify(o)}`);
    }
    // A header claiming 3.6 gigapixels is refused by FaceKit's own limit, before any pixel is decoded.
    if (/^(IHDR|SOF) says 60000×60000$/.test(s.detail) && !(o.type === 'error' && /60000 × 60000 pixels.*limit/.test(o.message))) {
      unclear.push(`${describeCase(s)}: expected the pixel-limit error, got ${JSON.stringify(o)}`);
    }
  }
  assert.deepEqual(unclear, [], `${unclear.length} case(s) without a clear outcome`);
  const giants = [...run.starts.values()].filter((s) => /60000×60000/.test(s.detail)).map((s) => s.detail.split(' ')[0]);
  assert.deepEqual([...new Set(giants)].sort(), ['IHDR', 'SOF', 'VP8X'], 'a 60000×60000 claim was tried in each format');

  const { rssBefore, rssAfter, rssPeak } = run.done;
  t.diagnostic(
    `backend ${run.ready?.backend}; RSS after warm-up ${mb(rssBefore)}, after the run ${mb(rssAfter)} (+${mb(rssAfter - rssBefore)}), peak ${mb(rssPeak)} (+${mb(rssPeak - rssBefore)})`,
  );
  t.diagnostic(`kind                results errors slowest ms`);
  for (const [kind, row] of kinds)
    t.diagnostic(
      `${kind.padEnd(20)}${String(row.results).padStart(7)}${String(row.errors).padStart(7)}${row.slowestMs.toFixed(0).padStart(11)}`,
    );
  assert.ok(rssAfter - rssBefore < RSS_GROWTH_LIMIT, `RSS grew by ${mb(rssAfter - rssBefore)} over the run`);
  assert.ok(rssPeak - rssBefore < RSS_GROWTH_LIMIT, `RSS peaked ${mb(rssPeak - rssBefore)} above the start`);
});
