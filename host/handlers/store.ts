// Runs in an engine worker thread. Where the store is (#13): a SQLite file, or a registry server with this
// machine's cache (online or not, check-ins queued, last sync); and the refusal of what registry mode cannot
// do yet, so that a kiosk's cache never silently drifts from the server.
import { FaceKitError } from '../../api/errors.ts';
import type { StoreStatus } from '../../api/definition.ts';
import type { HandlerContext, Handlers } from './context.ts';

export function storeStatus(ctx: HandlerContext): StoreStatus {
  return (
    ctx.registry?.status() ?? {
      kind: 'sqlite',
      location: ctx.store.file,
      online: null,
      queued: 0,
      lastSyncAt: null,
      lastError: null,
      kiosk: null,
    }
  );
}

/** Throws in registry mode: `what` would change this machine's cache only, not the server the other kiosks follow. */
export function refuseInRegistryMode(ctx: HandlerContext, what: string): void {
  if (ctx.registry) {
    throw new FaceKitError(
      'CONFLICT',
      `${what} is not available in registry mode yet: it would change this kiosk's copy only, not the registry server (${ctx.registry.replica.status().url})`,
    );
  }
}

export function storeHandlers(ctx: HandlerContext): Handlers<'store.status'> {
  return { 'store.status': () => storeStatus(ctx) };
}
