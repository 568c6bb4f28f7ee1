// Runs in `facekit serve` (browser mode): the renderer over HTTP and the api over a WebSocket, on
// 127.0.0.1 only. Like Jupyter, each launch makes a random token that the printed URL carries; a
// WebSocket needs that token and our own Origin, so other pages and other local users' browsers
// cannot drive the engine. The Host header is checked too (DNS rebinding).
import crypto from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeMessage, encodeMessage } from '../api/codec.ts';
import { MAX_MESSAGE_BYTES, type EventMessage, type ResponseMessage } from '../api/definition.ts';
import type { EngineHost } from '../host/engine-host.ts';
import { FaceKitError } from '../api/errors.ts';
import { reportUnexpected } from '../engine/runtime/error-log.ts';
import { SECURITY_HEADERS, serveStatic } from './static-files.ts';

export const LOOPBACK = '127.0.0.1';

export interface ServeOptions {
  host: EngineHost;
  /** renderer/dist */
  rendererDir: string;
  port: number;
  /** Where rejected connections and malformed messages are reported. */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** A call message's envelope, before the engine host checks the method's own arguments. */
function readCall(message: unknown): { id: number; method: string; args: unknown } {
  const m = message as { type?: unknown; id?: unknown; method?: unknown; args?: unknown };
  if (!m || m.type !== 'call' || !Number.isSafeInteger(m.id) || typeof m.method !== 'string') throw new Error('not a call message');
  return { id: m.id as number, method: m.method, args: m.args };
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { host, rendererDir } = options;
  const log = options.log ?? (() => {});
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new FaceKitError('MODEL_MISSING', `the app's screens are not built (${rendererDir}/index.html is missing): run npm run build`);
  }
  const token = crypto.randomBytes(24).toString('base64url');
  const sockets = new Set<WebSocket>();
  let port = 0;
  const allowedHosts = () => [`${LOOPBACK}:${port}`, `localhost:${port}`];

  const server = http.createServer((request, response) => {
    if (!allowedHosts().includes(request.headers.host ?? '')) {
      log(`refused an HTTP request for host "${request.headers.host}"`);
      response.writeHead(421, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS }).end('wrong host');
      return;
    }
    serveStatic(rendererDir, request, response);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const origin = request.headers.origin ?? '';
    const refuse = (status: number, reason: string) => {
      log(`refused a WebSocket: ${reason}`);
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/api') return refuse(404, `path ${url.pathname}`);
    if (!allowedHosts().includes(request.headers.host ?? '')) return refuse(421, `host "${request.headers.host}"`);
    if (
      !allowedHosts()
        .map((h) => `http://${h}`)
        .includes(origin)
    )
      return refuse(403, `origin "${origin}"`);
    if (!sameToken(url.searchParams.get('token') ?? '', token)) return refuse(401, 'missing or wrong token');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws));
  });

  /** Answers one message; a malformed one closes the socket. Rejects only when the reply cannot be sent. */
  async function answer(ws: WebSocket, data: unknown, isBinary: boolean): Promise<void> {
    let call: ReturnType<typeof readCall>;
    try {
      if (!isBinary) throw new Error('text frame');
      call = readCall(decodeMessage(new Uint8Array(data as Buffer)));
    } catch (error) {
      log(`closed a WebSocket after a malformed message: ${(error as Error).message}`);
      ws.close(1003, 'malformed message');
      return;
    }
    let reply: ResponseMessage;
    try {
      reply = { type: 'result', id: call.id, ok: true, result: await host.call(call.method, call.args) };
    } catch (error) {
      // The host's errors are FaceKitErrors (logged where they happened); anything else is logged here.
      const shown = reportUnexpected(error, { dataDir: host.dataDir, where: `serve: ${call.method}` });
      // Arguments that fail the api schema (no file named) are the UI's bug or a forged message: log them.
      if (shown.code === 'BAD_INPUT' && !shown.file) log(`rejected ${call.method}: ${shown.message}`);
      reply = { type: 'result', id: call.id, ok: false, error: shown.toErrorInfo() };
    }
    if (ws.readyState === ws.OPEN) ws.send(encodeMessage(reply));
  }

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data, isBinary) => {
      answer(ws, data, isBinary).catch((error: unknown) => {
        const shown = reportUnexpected(error, { dataDir: host.dataDir, where: 'serve: reply' });
        log(`closed a WebSocket after a reply failed: ${shown.message}`);
        ws.close(1011, 'internal error');
      });
    });
    ws.on('error', (error) => log(`WebSocket error: ${error.message}`));
  });

  const unsubscribe = host.onEvent((message: EventMessage) => {
    const frame = encodeMessage(message);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new FaceKitError('BAD_INPUT', `port ${options.port} is already in use; choose another with --port`)
          : error,
      ),
    );
    server.listen(options.port, LOOPBACK, resolve);
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
