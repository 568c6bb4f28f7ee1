// Runs in an engine worker thread. Where the store is (#13): a SQLite file, or a registry server with this
// machine's cache (online or not, check-ins queued, last sync); changes made on the server first in registry
// mode, and the refusal of what it cannot do yet, so that a kiosk's cache never silently drifts from the server.
import { FaceKitError } from '../../api/errors.ts';
import type { StoreStatus } from '../../api/definition.ts';
import type { Replica } from '../../db/sync/replica.ts';
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

/**
 * A change the other kiosks must see (enrolment, rename, merge, remove): in registry mode made on the server
 * first and pulled into this cache (a server that is down is DISCONNECTED, nothing changed here, and the
 * status says offline at once); with a SQLite store, `local`.
 */
export async function serverFirst<T>(
  ctx: HandlerContext,
  remote: (replica: Replica) => Promise<T>,
  local: () => T | Promise<T>,
): Promise<T> {
  const link = ctx.registry;
  if (!link) return local();
  try {
    return await remote(link.replica);
  } catch (error) {
    link.noteFailure(error);
    throw error;
  }
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
