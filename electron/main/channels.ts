// Runs in the Electron main process, and is bundled into the preload: the IPC channel names, in one
// place so the two sides cannot drift apart.

/** Renderer → main: ipcRenderer.invoke(CALL_CHANNEL, RequestMessage) → ResponseMessage. */
export const CALL_CHANNEL = 'facekit:call';
/** Main → renderer: webContents.send(EVENT_CHANNEL, EventMessage). */
export const EVENT_CHANNEL = 'facekit:event';
