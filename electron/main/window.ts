// Runs in the Electron main process. Creates the one FaceKit window with the locked-down web
// preferences (isolated, sandboxed, no Node) and loads the renderer from app://facekit.
import { app, BrowserWindow } from 'electron';
import { fileURLToPath } from 'node:url';
import { APP_URL } from './policy.ts';

const preload = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 880,
    minHeight: 600,
    title: 'FaceKit',
    show: false, // shown on ready-to-show: no white flash
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.on('render-process-gone', (_event, details) => console.error(`[facekit] renderer gone: ${details.reason}`));
  window.loadURL(APP_URL).catch((error: unknown) => console.error('[facekit] could not load the UI:', error));
  return window;
}

/** Brings the window to the front (second launch, macOS dock click). */
export function focusWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
