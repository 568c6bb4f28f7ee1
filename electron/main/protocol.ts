// Runs in the Electron main process. Serves the built renderer (renderer/dist) on app://facekit rather
// than file://, so the UI has a real secure origin for the permission checks, the IPC sender check and
// the CSP header. Nothing outside renderer/dist is reachable.
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { APP_SCHEME, isAppUrl } from './policy.ts';
import { contentType, RENDERER_DIR, resolveRendererFile, securityHeaders } from '../../serve/renderer-files.ts';

/** Must run before app 'ready': standard + secure gives the scheme an origin, storage and getUserMedia. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** The file under renderer/dist for an app:// URL, or null for anything else. */
export function rendererFileFor(url: string, root: string = RENDERER_DIR): string | null {
  return isAppUrl(url) ? resolveRendererFile(root, new URL(url).pathname) : null;
}

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
}

export function handleAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = request.method === 'GET' ? rendererFileFor(request.url) : null;
    if (!file) return notFound();
    let body: Uint8Array<ArrayBuffer>; // a copy: Response wants an ArrayBuffer, not a Buffer's pool
    try {
      body = new Uint8Array(await readFile(file));
    } catch {
      return notFound(); // missing, or a directory
    }
    return new Response(body, {
      headers: { 'Content-Type': contentType(file), ...securityHeaders() },
    });
  });
}
