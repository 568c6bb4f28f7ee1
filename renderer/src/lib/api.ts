// Runs in the renderer. The typed api client, whatever the transport: Electron's preload bridge
// (window.facekit) when present, else a WebSocket to `facekit serve` with the launch token.
import type {
  CallArgs,
  CallName,
  CallResult,
  EventMessage,
  EventName,
  Events,
  FaceKitApi,
  ResponseMessage,
} from '../../../api/definition.ts';
import { decodeMessage, encodeMessage } from '../../../api/codec.ts';
import { FaceKitError } from '../../../api/errors.ts';

/** What electron/preload exposes (same shape as the WebSocket client). */
export interface Bridge {
  call(method: string, args: unknown): Promise<unknown>;
  on(listener: (message: EventMessage) => void): () => void;
}

declare global {
  interface Window {
    facekit?: Bridge;
  }
}

/** Every failed call rejects with the engine's own error class, rebuilt from what crossed the transport. */
export { FaceKitError };

/** The message to show for anything thrown by a call. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Listener = (payload: unknown) => void;

function createEvents() {
  const listeners = new Map<EventName, Set<Listener>>();
  return {
    emit(message: EventMessage) {
      for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
    },
    // an arrow function, not a method: the clients hand it on as their own `on`
    on: <E extends EventName>(event: E, listener: (payload: Events[E]) => void): (() => void) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
  };
}

function fromBridge(bridge: Bridge): FaceKitApi {
  const events = createEvents();
  bridge.on((message) => events.emit(message));
  return {
    async call(method, args) {
      try {
        return (await bridge.call(method, args)) as never;
      } catch (error) {
        // The preload re-throws ErrorInfo as a plain object (contextBridge keeps its fields, not an Error's).
        throw FaceKitError.fromErrorInfo(error);
      }
    },
    on: events.on,
  };
}

/** The launch token from ?token=… (kept for reloads in sessionStorage, removed from the address bar). */
function takeToken(): string {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('facekit.token', fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url);
  }
  return fromUrl ?? sessionStorage.getItem('facekit.token') ?? '';
}

function fromWebSocket(): FaceKitApi {
  const events = createEvents();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const token = takeToken();
  let nextId = 1;
  let socket: Promise<WebSocket> | undefined;

  function connect(): Promise<WebSocket> {
    socket ??= new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${location.host}/api?token=${encodeURIComponent(token)}`);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => resolve(ws);
      ws.onmessage = (event) => {
        const message = decodeMessage(new Uint8Array(event.data as ArrayBuffer)) as ResponseMessage | EventMessage;
        if (message.type === 'event') return events.emit(message);
        const call = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) call?.resolve(message.result);
        else call?.reject(FaceKitError.fromErrorInfo(message.error));
      };
      let opened = false;
      ws.addEventListener('open', () => (opened = true));
      ws.onclose = () => {
        socket = undefined;
        const error = new FaceKitError(
          'DISCONNECTED',
          opened
            ? 'lost the connection to the engine (is facekit serve still running?)'
            : 'the engine refused the connection: open the exact address facekit serve printed (it carries a per-launch token)',
        );
        for (const call of pending.values()) call.reject(error);
        pending.clear();
        reject(error);
      };
    });
    return socket;
  }
  connect().catch(() => {});

  return {
    async call(method, args) {
      const ws = await connect();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(encodeMessage({ type: 'call', id, method, args }));
      });
    },
    on: events.on,
  };
}

export const api: FaceKitApi = window.facekit ? fromBridge(window.facekit) : fromWebSocket();

export type { CallArgs, CallName, CallResult };
