// Runs in the Electron main process. The one IPC entry point: checks the sender and the message, hands
// the call to the engine host (which validates the arguments against the api definition), and answers
// with a ResponseMessage envelope, because ipcMain.handle drops an error's code and file. Also forwards
// engine events to the window on one channel.
import { ipcMain, type BrowserWindow } from 'electron';
import { isCallName, MAX_MESSAGE_BYTES, type EventMessage, type ResponseMessage } from '../../api/definition.ts';
import type { EngineHost } from '../../host/engine-host.ts';
import type { ErrorCode } from '../../api/errors.ts';
import { reportUnexpected } from '../../engine/runtime/error-log.ts';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels.ts';
import { isAppUrl, payloadSize } from './policy.ts';
import { isTrustedSender } from './security.ts';

function failure(id: number, code: ErrorCode, message: string): ResponseMessage {
  return { type: 'result', id, ok: false, error: { code, message } };
}

/** A message refused before reaching the engine: logged, and answered with BAD_INPUT. */
function refused(id: number, message: string): ResponseMessage {
  console.warn(`[facekit] refused IPC message: ${message}`);
  return failure(id, 'BAD_INPUT', message);
}

export function handleCalls(host: () => Promise<EngineHost>, window: () => BrowserWindow | null): void {
  ipcMain.handle(CALL_CHANNEL, async (event, request: unknown): Promise<ResponseMessage> => {
    const { type, id, method, args } = (request && typeof request === 'object' ? request : {}) as Record<string, unknown>;
    const replyId = Number.isSafeInteger(id) ? (id as number) : 0;
    if (!isTrustedSender(event, window())) {
      console.warn(`[facekit] refused IPC from ${event.senderFrame?.url ?? 'a closed frame'}`);
      return failure(replyId, 'FORBIDDEN', 'this page may not call the FaceKit engine');
    }
    if (type !== 'call' || replyId !== id) return refused(replyId, 'malformed call message');
    if (!isCallName(method)) return refused(replyId, `unknown call: ${String(method).slice(0, 100)}`);
    if (payloadSize(args, MAX_MESSAGE_BYTES) > MAX_MESSAGE_BYTES) {
      return refused(replyId, `${method}: the message is larger than ${Math.round(MAX_MESSAGE_BYTES / 1024 / 1024)} MB`);
    }
    try {
      return { type: 'result', id: replyId, ok: true, result: await (await host()).call(method, args) };
    } catch (error) {
      // The host's errors are FaceKitErrors (logged where they happened); anything else (the host did not start) is logged here.
      const info = reportUnexpected(error, { where: `ipc: ${method}` }).toErrorInfo();
      // Arguments that fail the api schema (no file named) are the UI's bug or a tampered message: log them.
      if (info.code === 'BAD_INPUT' && !info.file) console.warn(`[facekit] rejected ${method}: ${info.message}`);
      return { type: 'result', id: replyId, ok: false, error: info };
    }
  });
}

/** Sends every engine event to the window while it shows our UI; returns the unsubscribe. */
export function forwardEvents(host: EngineHost, window: () => BrowserWindow | null): () => void {
  return host.onEvent((message: EventMessage) => {
    const target = window();
    if (target && !target.isDestroyed() && isAppUrl(target.webContents.getURL())) target.webContents.send(EVENT_CHANNEL, message);
  });
}
