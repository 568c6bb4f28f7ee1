// Runs in `facekit serve`. Serves the built renderer (renderer/dist) and nothing else.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentType, resolveRendererFile, securityHeaders } from './renderer-files.ts';

/** Browser mode's api is a WebSocket on the same loopback address. */
export const SECURITY_HEADERS = securityHeaders(['ws://127.0.0.1:*', 'ws://localhost:*']);

export function serveStatic(root: string, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
    return;
  }
  const urlPath = new URL(request.url ?? '/', 'http://localhost').pathname;
  const file = resolveRendererFile(root, urlPath);
  if (!file) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end('not found');
    return;
  }
  // Hashed assets never change; index.html must be re-read after a rebuild.
  const cache = urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store';
  response.writeHead(200, { 'Content-Type': contentType(file), 'Cache-Control': cache, ...SECURITY_HEADERS });
  if (request.method === 'HEAD') response.end();
  else fs.createReadStream(file).pipe(response);
}
