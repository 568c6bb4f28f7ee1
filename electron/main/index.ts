// Runs in the Electron main process. The entry: one instance, one window, the engine host (worker
// threads, so this thread stays free for the UI), and a clean shutdown that closes the store.
import { app, dialog, safeStorage, type BrowserWindow } from 'electron';
import path from 'node:path';
import { EngineHost } from '../../host/engine-host.ts';
import { dataDir } from '../../engine/runtime/paths.ts';
import { isRegistryUrl } from '../../db/postgres/client.ts';
import { reportUnexpected } from '../../engine/runtime/error-log.ts';
import { forwardEvents, handleCalls } from './ipc.ts';
import { installMenu } from './menu.ts';
import { handleAppProtocol, registerAppScheme } from './protocol.ts';
import { applySecurityPolicy } from './security.ts';
import { createMainWindow, focusWindow } from './window.ts';
import { loadAppStoreKey, type Keychain } from './store-key.ts';

app.setName('FaceKit');
// One store for the app and the CLI: userData is the CLI's data folder (FACEKIT_DATA_DIR or the
// platform default, see paths.ts); Chromium's caches go to a subfolder instead of next to the DB.
app.setPath('userData', dataDir());
app.setPath('sessionData', path.join(app.getPath('userData'), 'electron'));
// Packaged: the models/ folder is an extraResource outside app.asar. Read by paths.ts in the
// workers, which copy process.env when they start (after this line).
if (app.isPackaged) process.env.FACEKIT_BUNDLED_MODELS_DIR ??= path.join(process.resourcesPath, 'models');

registerAppScheme(); // before 'ready'
app.enableSandbox();

let window: BrowserWindow | null = null;
let host: Promise<EngineHost> | undefined;

/** safeStorage's async API: the OS keychain that keeps the store key (electron/main/store-key.ts). */
const keychain: Keychain = {
  isAvailable: () => safeStorage.isAsyncEncryptionAvailable(),
  backend: () => (process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined),
  encrypt: (text) => safeStorage.encryptStringAsync(text),
  decrypt: (data) => safeStorage.decryptStringAsync(data),
};

async function startHost(): Promise<EngineHost> {
  const userData = app.getPath('userData');
  const db = process.env.FACEKIT_DB || path.join(userData, 'facekit.db');
  // Registry mode (#13, FACEKIT_DB=postgres://…): the store is this machine's cache of the server, in the data
  // folder, and its key is FACEKIT_KEY, the same on every kiosk (a keychain key would differ per machine).
  const registryUrl = isRegistryUrl(db) ? db : undefined;
  const dbPath = registryUrl === undefined ? db : path.join(userData, 'facekit.db');
  const { key, note } =
    registryUrl === undefined
      ? await loadAppStoreKey({ userData, dbPath, keychain })
      : { key: process.env.FACEKIT_KEY || undefined, note: 'encrypted with the key in FACEKIT_KEY (registry mode)' };
  const started = await EngineHost.start({
    shell: 'electron',
    dataDir: userData,
    dbPath,
    storeKey: key, // to the workers in memory (workerData), never through the environment or a file
    keyNote: note,
    registryUrl, // EngineHost.start refuses registry mode without a key
    workerUrl: new URL('./engine-worker.js', import.meta.url), // out/main/engine-worker.js
  });
  forwardEvents(started, () => window);
  return started;
}

function openWindow(): void {
  window = createMainWindow();
  window.on('closed', () => (window = null));
}

/** Closes the workers (and so the store) before exiting; a stuck worker cannot block quitting. */
async function shutDown(): Promise<void> {
  const started = await host?.catch(() => undefined);
  if (started) await Promise.race([started.close(), new Promise((resolve) => setTimeout(resolve, 5000))]);
}

if (!app.requestSingleInstanceLock()) {
  app.quit(); // the first instance gets 'second-instance' and comes to the front
} else {
  app.on('second-instance', () => window && focusWindow(window));
  app.on('window-all-closed', () => process.platform !== 'darwin' && app.quit());
  app.on('activate', () => (window ? focusWindow(window) : app.isReady() && openWindow()));

  let quitting = false;
  app.on('will-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    // Fire-and-forget: the app exits whatever happens; a failed close is logged first.
    void shutDown()
      .catch((error: unknown) => reportUnexpected(error, { where: 'app quit' }))
      .finally(() => app.exit(0));
  });

  // Fire-and-forget: whenReady() itself never rejects, and a failure while setting up is shown like an engine that could not start.
  void app
    .whenReady()
    .then(() => {
      handleAppProtocol();
      applySecurityPolicy();
      installMenu();
      const started = startHost();
      host = started;
      started.catch((error: unknown) => {
        // A store key or version problem is shown as it is; anything unexpected is logged and the dialog names the log.
        dialog.showErrorBox('FaceKit could not start its engine', reportUnexpected(error, { where: 'app start' }).message);
        app.exit(1);
      });
      handleCalls(
        () => started,
        () => window,
      );
      openWindow();
    })
    .catch((error: unknown) => {
      dialog.showErrorBox('FaceKit could not start', reportUnexpected(error, { where: 'app start' }).message);
      app.exit(1);
    });
}
