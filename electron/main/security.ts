// Runs in the Electron main process. The security checklist in one place: permissions (camera only,
// video only, our origin only), no navigation away, no new windows, external links only through an
// allow-list, no <webview>, and the check that an IPC message comes from our window's main frame.
import { app, session, shell, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { isAllowedExternalUrl, isAppUrl, isHashChange, isVideoOnly } from './policy.ts';

function openExternal(url: string): void {
  if (!isAllowedExternalUrl(url)) return void console.warn(`[facekit] blocked external link: ${url}`);
  shell.openExternal(url).catch((error: unknown) => console.warn(`[facekit] could not open ${url}:`, error));
}

/** Call once, after 'ready' and before any window exists. */
export function applySecurityPolicy(): void {
  const ses = session.defaultSession;
  // Both handlers: the request handler answers prompts (getUserMedia), the check handler answers
  // silent queries (enumerateDevices labels, navigator.permissions); each only allows the camera.
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(
      permission === 'media' &&
        details.isMainFrame &&
        isAppUrl(details.requestingUrl) &&
        isVideoOnly('mediaTypes' in details ? details.mediaTypes : undefined),
    );
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) => {
    return permission === 'media' && details.mediaType === 'video' && isAppUrl(requestingOrigin);
  });
  ses.setDevicePermissionHandler(() => false); // no HID / serial / USB

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => {
      if (isHashChange(contents.getURL(), event.url)) return;
      event.preventDefault();
      openExternal(event.url); // a plain <a href> to an allow-listed page
    });
    contents.on('will-frame-navigate', (event) => {
      if (!event.isMainFrame && !isAppUrl(event.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternal(url);
      return { action: 'deny' };
    });
  });
}

/** The message comes from the main frame of `window`, showing our own origin. */
export function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow | null): boolean {
  const frame = event.senderFrame;
  if (!window || window.isDestroyed() || !frame || event.sender !== window.webContents) return false;
  const main = window.webContents.mainFrame;
  return frame.processId === main.processId && frame.frameToken === main.frameToken && isAppUrl(frame.url);
}
