// Runs in a worker thread owned by the engine host (host/engine-host.ts). Opens its own
// connection to the store and answers the calls of its role; events go to the host, which fans them
// out to every window or browser tab.
import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '../db/store.ts';
import { createModelRegistry } from '../engine/models/loaded-models.ts';
import type { CallName, EventMessage, RequestMessage, ResponseMessage } from '../api/definition.ts';
import type { HandlerContext, Handler, Handlers } from './handlers/context.ts';
import { settingsHandlers } from './handlers/settings.ts';
import { peopleHandlers } from './handlers/people.ts';
import { recognitionHandlers } from './handlers/recognition.ts';
import { kioskHandlers } from './handlers/kiosk.ts';
import { checkinHandlers } from './handlers/checkins.ts';
import { galleryHandlers } from './handlers/gallery.ts';
import { visitorHandlers } from './handlers/visitors.ts';
import { styleHandlers } from './handlers/style.ts';
import { storeHandlers } from './handlers/store.ts';
import { openRegistryLink } from './registry-link.ts';
import { expectDefined, FaceKitError } from '../api/errors.ts';
import { reportUnexpected } from '../engine/runtime/error-log.ts';
import type { WorkerConfig } from './roles.ts';

const config = workerData as WorkerConfig;
const port = expectDefined(parentPort, 'parentPort (host/engine-worker.ts runs only as a worker thread)');
const store = Store.open(config.dbPath, { key: config.storeKey });
const emit: HandlerContext['emit'] = (event, payload) => port.postMessage({ type: 'event', event, payload } satisfies EventMessage);
// Registry mode (#13): the store is this machine's cache of the server, kept in step from here on.
const registry = config.registryUrl === undefined ? undefined : openRegistryLink(store, config.registryUrl, config.storeKey, emit);

const context: HandlerContext = {
  store,
  dataDir: config.dataDir,
  shell: config.shell,
  keyNote: config.keyNote,
  models: createModelRegistry(),
  emit,
  registry,
};

const handlers: Partial<Handlers> =
  config.role === 'style'
    ? styleHandlers(context)
    : {
        ...settingsHandlers(context),
        ...peopleHandlers(context),
        ...recognitionHandlers(context),
        ...kioskHandlers(context),
        ...checkinHandlers(context),
        ...galleryHandlers(context),
        ...visitorHandlers(context),
        ...storeHandlers(context),
      };

async function answer(request: RequestMessage): Promise<ResponseMessage> {
  try {
    const handler = handlers[request.method as CallName] as Handler<CallName> | undefined;
    if (!handler) throw new FaceKitError('INTERNAL', `${request.method} is not served by the ${config.role} worker`);
    return { type: 'result', id: request.id, ok: true, result: await handler(request.args as never) };
  } catch (error) {
    if (process.env.FACEKIT_DEBUG) console.error(error);
    // Logged here, in the thread that has the stack; the host rebuilds the FaceKitError from this.
    const shown = reportUnexpected(error, { dataDir: config.dataDir, where: `${config.role} worker: ${request.method}` });
    return { type: 'result', id: request.id, ok: false, error: shown.toErrorInfo() };
  }
}

port.on('message', (request: RequestMessage | { type: 'close' }) => {
  if (request.type === 'close') {
    // The registry link first: it stops following and lets a flush in flight finish writing to the cache.
    void (registry?.close() ?? Promise.resolve())
      .catch((error: unknown) => reportUnexpected(error, { dataDir: config.dataDir, where: 'faces worker: closing the registry link' }))
      .finally(() => {
        store.close();
        port.close();
      });
    return;
  }
  // Not awaited: calls are answered as they finish. answer() never rejects (a failure becomes an error reply);
  // a reply that cannot be posted crashes this worker, and the host fails the pending calls ('error' event).
  void answer(request).then((response) => port.postMessage(response));
});
port.postMessage({ type: 'ready' });
