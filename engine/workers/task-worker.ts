// Runs in a WorkerPool thread. Answers each task message with { ok, output } or { ok: false, error }.
import { parentPort } from 'node:worker_threads';
import { expectDefined } from '../../api/errors.ts';
import { reportUnexpected } from '../runtime/error-log.ts';

/** Serves tasks one at a time (the pool never sends a second before the first is answered). */
export function serveTasks<In, Out>(handle: (input: In) => Promise<Out>): void {
  const port = expectDefined(parentPort, 'parentPort (serveTasks runs only in a worker thread)');
  port.on('message', (input: In) => {
    handle(input).then(
      (output) => port.postMessage({ ok: true, output }),
      // An unexpected error is logged here, where its stack is; the pool rebuilds the FaceKitError.
      (error: unknown) => port.postMessage({ ok: false, error: reportUnexpected(error, { where: 'worker thread' }).toErrorInfo() }),
    );
  });
}
