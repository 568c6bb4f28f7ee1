// Runs in the renderer's sandboxed preload, bundled to one CommonJS file (a sandboxed preload can only
// require 'electron'). Exposes window.facekit = { call, on } and nothing else: never ipcRenderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ErrorInfo, EventMessage, RequestMessage, ResponseMessage } from '../../api/definition.ts';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../main/channels.ts';

/** The shape renderer/src/lib/api.ts expects as `Bridge` (kept structural: no renderer imports here). */
interface Bridge {
  call(method: string, args: unknown): Promise<unknown>;
  on(listener: (message: EventMessage) => void): () => void;
}

let nextId = 1;

const bridge: Bridge = {
  async call(method, args) {
    const request: RequestMessage = { type: 'call', id: nextId++, method: String(method), args };
    let response: ResponseMessage;
    try {
      response = (await ipcRenderer.invoke(CALL_CHANNEL, request)) as ResponseMessage;
    } catch (error) {
      throw { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } satisfies ErrorInfo;
    }
    if (response.ok) return response.result;
    // A plain object, not an Error: contextBridge keeps its fields; the renderer rebuilds the FaceKitError.
    throw { ...response.error } satisfies ErrorInfo;
  },
  on(listener) {
    if (typeof listener !== 'function') throw new TypeError('facekit.on expects a function');
    // The IPC event object (with its sender) stays here; the page gets the message only.
    const handler = (_event: IpcRendererEvent, message: EventMessage) => listener(message);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => void ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('facekit', bridge);
