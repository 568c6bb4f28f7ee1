// Browser mode's boundary: loopback only, a per-launch token, our own Origin and Host, well-formed
// messages only. A real engine host and a real WebSocket client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { EngineHost } from '../../../host/engine-host.ts';
import { startServer, type RunningServer } from '../../../serve/server.ts';
import { decodeMessage, encodeMessage } from '../../../api/codec.ts';
import { tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let host: EngineHost;
let server: RunningServer;
const logged: string[] = [];

before(async () => {
  dir = tempDir();
  const renderer = path.join(dir, 'dist');
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>FaceKit</title>');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the renderer');
  host = await EngineHost.start({ shell: 'browser', dbPath: path.join(dir, 'store.db'), dataDir: dir });
  server = await startServer({ host, rendererDir: renderer, port: 0, log: (line) => logged.push(line) });
});
after(async () => {
  await server.close();
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const origin = () => `http://127.0.0.1:${server.port}`;

/** Opens a socket; resolves with it when open, rejects with the HTTP status when refused. */
function connect(query: string, headers: Record<string, string> = { Origin: origin() }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(
  ws: WebSocket,
  method: string,
  args: unknown,
): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(decodeMessage(new Uint8Array(data as Buffer)) as never));
    ws.send(encodeMessage({ type: 'call', id: 1, method, args }));
  });
}

test('the URL is on loopback with a long random token, and the server listens nowhere else', async () => {
  const url = new URL(server.url);
  assert.equal(url.hostname, '127.0.0.1');
  assert.ok((url.searchParams.get('token') ?? '').length >= 32);
  const others = Object.values(os.networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .filter((i) => i.family === 'IPv4' && !i.internal);
  for (const address of others) {
    await assert.rejects(fetch(`http://${address.address}:${server.port}/`), `reachable on ${address.address}`);
  }
});

test('a WebSocket needs the token and our Origin', async () => {
  await assert.rejects(connect(''), /HTTP 401/);
  await assert.rejects(connect('?token=wrong'), /HTTP 401/);
  const token = `?token=${server.token}`;
  await assert.rejects(connect(token, { Origin: 'http://evil.example' }), /HTTP 403/);
  await assert.rejects(connect(token, {}), /HTTP 403/);
  await assert.rejects(connect(token, { Origin: origin(), Host: 'evil.example' }), /HTTP 421/);
  const ws = await connect(token);
  const reply = await call(ws, 'settings.get', {});
  assert.equal(reply.ok, true);
  ws.close();
  assert.ok(logged.some((l) => l.includes('origin "http://evil.example"')));
});

test('bad calls get a readable error; malformed frames close the socket', async () => {
  const ws = await connect(`?token=${server.token}`);
  const reply = await call(ws, 'people.rename', { name: 'A', newName: '' });
  assert.equal(reply.ok, false);
  assert.ok(reply.error, 'the reply carries an error');
  assert.equal(reply.error.code, 'BAD_INPUT');
  assert.match(reply.error.message, /newName: the name is empty/);
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  ws.send(Buffer.from([9, 9, 9, 9, 9, 9]));
  assert.equal(await closed, 1003);
});

test('oversized messages are refused', async () => {
  const ws = await connect(`?token=${server.token}`);
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  ws.send(Buffer.alloc(120 * 1024 * 1024));
  assert.equal(await closed, 1009);
});

test('static files: only the renderer folder, with a CSP; wrong Host refused', async () => {
  const index = await fetch(`${origin()}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  for (const probe of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
    assert.equal((await fetch(`${origin()}${probe}`)).status, 404, probe);
  }
  const http = await import('node:http');
  const status = await new Promise<number | undefined>((resolve) =>
    http.get({ host: '127.0.0.1', port: server.port, path: '/', headers: { Host: 'attacker.example' } }, (res) => resolve(res.statusCode)),
  );
  assert.equal(status, 421);
});
