// Runs in the Electron main process. Serves the built renderer (renderer/dist) on app://facekit rather
// than file://, so the UI has a real secure origin for the permission checks, the IPC sender check and
// the CSP header. Nothing outside renderer/dist is reachable.
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_SCHEME = 'app';
export const APP_HOST = 'facekit';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** out/main/index.js → <app>/renderer/dist (the checkout in development, app.asar when packaged). */
const rendererDir = fileURLToPath(new URL('../../renderer/dist/', import.meta.url));

/** renderer/index.html's meta policy without the ws://127.0.0.1 source (browser mode only); both apply. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** True for URLs on our own origin (Node's URL gives custom schemes an opaque origin, so compare parts). */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Must run before app 'ready': standard + secure gives the scheme an origin, storage and getUserMedia. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** The file under renderer/dist for an app:// URL, or null for anything else (no `..` or `\` escapes). */
export function resolveRendererFile(url: string, root: string = rendererDir): string | null {
  if (!isAppUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const file = path.join(root, pathname === '/' ? 'index.html' : pathname);
  const relative = path.relative(root, file);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return null;
  return file;
}

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
}

export function handleAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = request.method === 'GET' ? resolveRendererFile(request.url) : null;
    if (!file) return notFound();
    let body: Uint8Array<ArrayBuffer>; // a copy: Response wants an ArrayBuffer, not a Buffer's pool
    try {
      body = new Uint8Array(await readFile(file));
    } catch {
      return notFound(); // missing, or a directory
    }
    return new Response(body, {
      headers: {
        'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
      },
    });
  });
}
