// Runs in the renderer. Where the store is (#13): a SQLite file, or a registry server with this machine's
// cache (online or not, check-ins queued, last sync). Loaded on first use and kept current by the engine's
// `store.status` events; the Settings screen and the Kiosk read it.
import type { StoreStatus } from '../../../api/definition.ts';
import { api } from './api.ts';

class StoreStatusState {
  current = $state<StoreStatus | null>(null);
  #following = false;

  /** Reads the status now (lastSyncAt moves without events) and, the first time, follows its changes. */
  watch(): void {
    if (!this.#following) {
      this.#following = true;
      api.on('store.status', (status) => (this.current = status));
    }
    api.call('store.status', {}).then(
      (status) => (this.current = status),
      () => undefined, // the engine is unreachable: the app's connection banner says so already
    );
  }

  /** Registry mode with the server away: the kiosk keeps working and its check-ins wait in the queue. */
  get offline(): boolean {
    return this.current?.kind === 'registry' && this.current.online === false;
  }
}

export const storeStatus = new StoreStatusState();
