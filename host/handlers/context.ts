// Runs in an engine worker thread. What every handler gets: the store, the data folder, and a way to
// push events to every connected UI.
import type { Store } from '../../db/store.ts';
import type { EngineModels } from '../../engine/models/loaded-models.ts';
import type { RegistryLink } from '../registry-link.ts';
import type { CallName, CallResult, EventName, Events, ParsedArgs } from '../../api/definition.ts';

export interface HandlerContext {
  store: Store;
  /** The app's data folder: the store, gallery images and style inputs live under it. */
  dataDir: string;
  shell: 'electron' | 'browser';
  /** Where the store key came from, or why the store is not encrypted. */
  keyNote: string;
  /** This worker's networks: each loads on first use; the worker decides when they are freed. */
  models: EngineModels;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /** Registry mode (#13, faces worker): the link to the server; undefined with a plain SQLite store. */
  registry?: RegistryLink;
}

export type Handler<N extends CallName> = (args: ParsedArgs<N>) => Promise<CallResult<N>> | CallResult<N>;
export type Handlers<N extends CallName = CallName> = { [K in N]: Handler<K> };
