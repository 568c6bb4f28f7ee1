// Runs in a worker thread started from TypeScript source (dev, CLI, tests, benches): registers tsx in
// this thread, then loads the module named in workerData. The packaged app loads bundled workers instead.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
