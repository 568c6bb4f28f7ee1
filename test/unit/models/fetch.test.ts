// fetchModel against a local HTTP server on 127.0.0.1 (no network): progress, Range resume, checksum
// rejection, interrupted and cancelled downloads, offline and HTTP errors.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { isFaceKitError } from '../../../api/errors.ts';
import { fetchModel, installPath } from '../../../engine/models/index.ts';
import { at } from '../../helpers/assert.ts';
import { writeRandomVgg19H5 } from '../../helpers/vgg19-h5.ts';

const SMALL = [2, 2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6];

interface ServerState {
  body: Buffer;
  /** Range headers seen, in order ('' for none). */
  ranges: string[];
  honourRange: boolean;
  /** Bytes after which the server drops the connection (once), or undefined. */
  dropAfter?: number;
  /** Pause between chunks (ms), so a test can cancel mid-way. */
  chunkDelay?: number;
  status?: number;
}

let dir: string;
let server: http.Server;
let base: string;
let body: Buffer;
let md5: string;
const state: ServerState = { body: Buffer.alloc(0), ranges: [], honourRange: true };

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-fetch-'));
  const src = path.join(dir, 'served.h5');
  await writeRandomVgg19H5(src, { layout: 'keras2-nested', channels: SMALL, seed: 21 });
  body = fs.readFileSync(src);
  md5 = crypto.createHash('md5').update(body).digest('hex');
  server = http.createServer((req, res) => {
    const range = req.headers.range ?? '';
    state.ranges.push(range);
    if (state.status) {
      res.writeHead(state.status).end('no');
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range);
    if (m && state.honourRange) {
      start = Number(m[1]);
      if (start >= state.body.length) {
        res.writeHead(416, { 'content-range': `bytes */${state.body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': state.body.length - start, 'content-range': `bytes ${start}-${state.body.length - 1}/${state.body.length}` });
    } else {
      res.writeHead(200, { 'content-length': state.body.length });
    }
    const rest = state.body.subarray(start);
    const drop = state.dropAfter;
    state.dropAfter = undefined;
    const chunks: Buffer[] = [];
    for (let i = 0; i < rest.length; i += 4096) chunks.push(rest.subarray(i, i + 4096));
    let sent = 0;
    const pump = () => {
      const chunk = chunks.shift();
      if (!chunk) return void res.end();
      if (drop !== undefined && sent + chunk.length > drop) {
        res.write(chunk.subarray(0, drop - sent), () => res.destroy());
        return;
      }
      sent += chunk.length;
      res.write(chunk);
      setTimeout(pump, state.chunkDelay ?? 0);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  // A cancelled download's connection can still be open here; close() alone would wait for it.
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

let destDir: string;
let n = 0;
beforeEach(() => {
  Object.assign(state, { body, ranges: [], honourRange: true, dropAfter: undefined, chunkDelay: undefined, status: undefined });
  destDir = path.join(dir, `models-${n++}`);
});

const dest = () => installPath('vgg19', { destDir });
const fileMd5 = (file: string) => crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex');

test('downloads with progress into <destDir>/vgg19/<file>, verified, no .part left', async () => {
  const progress: Array<[number, number | undefined]> = [];
  const result = await fetchModel('vgg19', { url: `${base}/w.h5`, destDir, expected: { md5, size: body.length }, onProgress: (b, t) => progress.push([b, t]) });
  assert.equal(result.path, path.join(destDir, 'vgg19', 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5'));
  assert.equal(fileMd5(result.path), md5);
  assert.equal(result.md5, md5);
  assert.equal(result.resumedFrom, 0);
  assert.ok(!fs.existsSync(`${result.path}.part`));
  assert.deepEqual(state.ranges, ['']);
  assert.ok(progress.length > 2, 'progress reported as chunks arrive');
  assert.deepEqual(progress.at(-1), [body.length, body.length]);
  assert.ok(progress.every(([b], i) => i === 0 || b >= at(progress, i - 1, 'the previous report')[0]), 'progress never goes backwards');

  // A second fetch finds the verified copy and downloads nothing.
  const again = await fetchModel('vgg19', { url: `${base}/w.h5`, destDir, expected: { md5, size: body.length } });
  assert.equal(again.alreadyInstalled, true);
  assert.equal(state.ranges.length, 1);
});

test('resumes from an existing .part with a Range request', async () => {
  const half = Math.floor(body.length / 2);
  fs.mkdirSync(path.dirname(dest()), { recursive: true });
  fs.writeFileSync(`${dest()}.part`, body.subarray(0, half));
  const progress: number[] = [];
  const result = await fetchModel('vgg19', { url: `${base}/w.h5`, destDir, expected: { md5, size: body.length }, onProgress: (b) => progress.push(b) });
  assert.deepEqual(state.ranges, [`bytes=${half}-`]);
  assert.equal(result.resumedFrom, half);
  assert.equal(progress[0], half);
  assert.equal(fileMd5(dest()), md5);
  assert.ok(!fs.existsSync(`${dest()}.part`));
});

test('a resumed download that fails the checksum (a foreign .part) is retried once from scratch', async () => {
  const half = Math.floor(body.length / 2);
  fs.mkdirSync(path.dirname(dest()), { recursive: true });
  fs.writeFileSync(`${dest()}.part`, Buffer.alloc(half, 0x55));
  const result = await fetchModel('vgg19', { url: `${base}/w.h5`, destDir, expected: { md5, size: body.length } });
  assert.deepEqual(state.ranges, [`bytes=${half}-`, '']);
  assert.equal(result.resumedFrom, 0);
  assert.equal(fileMd5(dest()), md5);
});

test('a server that ignores Range still yields the right file', async () => {
  state.honourRange = false;
  fs.mkdirSync(path.dirname(dest()), { recursive: true });
  fs.writeFileSync(`${dest()}.part`, body.subarray(0, 1000));
  const result = await fetchModel('vgg19', { url: `${base}/w.h5`, destDir, expected: { md5, size: body.length } });
  assert.equal(result.resumedFrom, 0);
  assert.equal(fileMd5(dest()), md5);
});

test('an interrupted download keeps its .part and the next run resumes it', async () => {
  state.dropAfter = 10_000;
  await assert.rejects(
    fetchModel('vgg19', { url: `${base}/w.h5`, destDir, expected: { md5, size: body.length } }),
    (e: unknown) => isFaceKitError(e, 'MODEL_MISSING') && /run the command again to resume/.test(e.message),
  );
  assert.ok(!fs.existsSync(dest()));
  const kept = fs.statSync(`${dest()}.part`).size;
  assert.ok(kept > 0 && kept <= 10_000, `kept ${kept} bytes`);
  await fetchModel('vgg19', { url: `${base}/w.h5`, destDir, expected: { md5, size: body.length } });
  assert.equal(state.ranges.at(-1), `bytes=${kept}-`);
  assert.equal(fileMd5(dest()), md5);
});

test('a checksum mismatch is rejected and leaves neither the file nor a .part', async () => {
  await assert.rejects(
    fetchModel('vgg19', { url: `${base}/w.h5`, destDir, expected: { md5: '0'.repeat(32), size: body.length } }),
    (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /corrupt \(md5 is [0-9a-f]{32}, expected 0{32}\)/.test(e.message),
  );
  assert.ok(!fs.existsSync(dest()));
  assert.ok(!fs.existsSync(`${dest()}.part`));
});

test('a size that disagrees with the manifest is refused before downloading', async () => {
  await assert.rejects(
    fetchModel('vgg19', { url: `${base}/w.h5`, destDir }),
    (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && new RegExp(`offers ${body.length} bytes, expected 80134624`).test(e.message),
  );
  assert.ok(!fs.existsSync(dest()));
});

test('offline: a closed port gives one clear line; details say offline and which model (the CLI adds the models import hint)', async () => {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  await assert.rejects(fetchModel('vgg19', { url: `http://127.0.0.1:${port}/w.h5`, destDir }), (e: unknown) => {
    assert.ok(isFaceKitError(e, 'MODEL_MISSING'));
    assert.equal(e.message, `cannot reach 127.0.0.1:${port} (offline? ECONNREFUSED)`);
    assert.deepEqual(e.details, { reason: 'offline', model: 'vgg19', host: `127.0.0.1:${port}`, errno: 'ECONNREFUSED' });
    return true;
  });
  assert.ok(!fs.existsSync(dest()));
});

test('FACEKIT_VGG19_URL overrides the manifest URL; HTTP errors are reported', async () => {
  state.status = 404;
  await assert.rejects(
    fetchModel('vgg19', { env: { FACEKIT_VGG19_URL: `${base}/missing.h5` }, destDir, expected: { md5 } }),
    (e: unknown) => isFaceKitError(e, 'MODEL_MISSING') && e.message === `127.0.0.1:${new URL(base).port} answered HTTP 404 for /missing.h5`,
  );
  assert.equal(state.ranges.length, 1, 'the request went to the overriding URL');
});

test('cancelling keeps the .part for a later resume', async () => {
  state.chunkDelay = 5;
  const controller = new AbortController();
  const pending = fetchModel('vgg19', {
    url: `${base}/w.h5`,
    destDir,
    expected: { md5, size: body.length },
    signal: controller.signal,
    onProgress: (b) => b > 8000 && controller.abort(),
  });
  await assert.rejects(pending, (e: unknown) => isFaceKitError(e, 'CANCELLED'));
  assert.ok(!fs.existsSync(dest()));
  assert.ok(fs.statSync(`${dest()}.part`).size > 0);
});

test('face models ship with the app and cannot be fetched', async () => {
  await assert.rejects(fetchModel('face_recognition', { url: `${base}/x`, destDir }), (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /ships with the app/.test(e.message));
  await assert.rejects(fetchModel('nonsense', { destDir }), (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /unknown model 'nonsense'/.test(e.message));
});

test('a file with the right checksum but the wrong contents is not installed', async () => {
  state.body = Buffer.from('<html>captive portal</html>');
  const bad = crypto.createHash('md5').update(state.body).digest('hex');
  await assert.rejects(
    fetchModel('vgg19', { url: `${base}/w.h5`, destDir, expected: { md5: bad, size: state.body.length } }),
    (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /did not serve usable vgg19 weights \(not an HDF5 file/.test(e.message),
  );
  assert.ok(!fs.existsSync(dest()));
  assert.ok(!fs.existsSync(`${dest()}.part`));
});
