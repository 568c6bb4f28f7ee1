// Runs in the CLI. A one-line progress bar on stderr, drawn only for a person watching a terminal:
// never in --json mode, never when stderr is piped or redirected.

export interface Progress {
  update(done: number, detail?: string): void;
  finish(): void;
}

const WIDTH = 28;
/** Redraw at most this often: a download reports every 64 kB chunk. */
const REDRAW_MS = 100;

export interface ProgressOptions {
  /** How counts are shown, e.g. as megabytes for a download. */
  format?: (count: number) => string;
  stream?: NodeJS.WriteStream;
  /** Off when the caller knows better (a coarse-to-fine job's iterations grow 4× a stage) and says so in the detail. */
  eta?: boolean;
}

export function createProgress(label: string, total: number, enabled: boolean, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? String;
  if (!enabled || !stream.isTTY) return { update() {}, finish() {} };
  const started = Date.now();
  let drawn = false;
  let lastDraw = 0;
  return {
    update(done, detail = '') {
      if (drawn && done < total && Date.now() - lastDraw < REDRAW_MS) return;
      lastDraw = Date.now();
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(fraction * WIDTH);
      const elapsed = (Date.now() - started) / 1000;
      const eta = options.eta !== false && done > 0 && done < total ? ` eta ${Math.round((elapsed / done) * (total - done))}s` : '';
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${format(done)}/${format(total)}${eta} ${detail}`;
      stream.write(`\r${line.slice(0, (stream.columns || 100) - 1).padEnd((stream.columns || 100) - 1)}`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}
