// Runs in Node (CLI, engine worker). Downloads a model file: into `<dest>.part`, resuming with an HTTP Range
// request when a partial file is there, then size + md5 check and an atomic rename into place.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { once } from 'node:events';
import { FaceKitError, throwIfCancelled } from '../../api/errors.ts';
import { checkFile, type ExpectedFile } from './checksum.ts';
import { downloadableFile, getModel, type ModelManifest } from './manifest.ts';
import { installPath } from './registry.ts';
import { validateModelFile } from './validate.ts';

export interface FetchModelOptions {
  /** Download from here instead of the manifest URL (the manifest's `urlEnv`, e.g. FACEKIT_VGG19_URL, also overrides). */
  url?: string;
  /** Models root to install into (default `userModelsDir()`); the file lands in `<destDir>/<model dir>/<name>`. */
  destDir?: string;
  env?: NodeJS.ProcessEnv;
  manifest?: ModelManifest;
  /** Size/md5 to check instead of the manifest's (tests). Also relaxes the VGG19 check to a consistent channel chain. */
  expected?: ExpectedFile;
  /** Called as bytes arrive; `bytes` counts a resumed part too. `total` is undefined when the server does not say. */
  onProgress?: (bytes: number, total: number | undefined) => void;
  signal?: AbortSignal;
  /** Give up when no data arrives for this long (default 30 s). */
  stallTimeoutMs?: number;
  /** Download even when a verified copy is already installed. */
  force?: boolean;
}

export interface FetchModelResult {
  path: string;
  url: string;
  bytes: number;
  md5: string;
  /** Bytes already in the `.part` file that the download continued from (0 for a fresh download). */
  resumedFrom: number;
  /** True when a verified copy was already in place and nothing was downloaded. */
  alreadyInstalled: boolean;
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENETDOWN', 'EHOSTDOWN']);

interface Attempt {
  url: string;
  part: string;
  from: number;
  expected: ExpectedFile;
  opts: FetchModelOptions;
  id: string;
}

function offlineError(url: URL, id: string, code: string): FaceKitError {
  return new FaceKitError('MODEL_MISSING', `cannot reach ${url.host} (offline? ${code})`, { details: { reason: 'offline', model: id, host: url.host, errno: code } });
}

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  return typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
}

function fileSizeOr0(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** GET with redirects; resolves once response headers arrive. */
function get(url: URL, headers: Record<string, string>, opts: FetchModelOptions, id: string, redirects = 5): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, { headers: { 'user-agent': 'FaceKit', ...headers }, signal: opts.signal }, (res) => {
      const location = res.headers.location;
      if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && location) {
        res.resume();
        if (redirects <= 0) return reject(new FaceKitError('MODEL_MISSING', `too many redirects downloading ${url}`));
        return resolve(get(new URL(location, url), headers, opts, id, redirects - 1));
      }
      resolve(res);
    });
    req.setTimeout(opts.stallTimeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('no data for too long'), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => {
      if (opts.signal?.aborted) return reject(new FaceKitError('CANCELLED', 'cancelled'));
      const code = errorCode(error);
      if (code && OFFLINE_CODES.has(code)) return reject(offlineError(url, id, code));
      reject(new FaceKitError('MODEL_MISSING', `download from ${url.host} failed (${code ?? error.message})`));
    });
  });
}

function parseContentRange(value: string | undefined): { start: number; total?: number } | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value ?? '');
  return m ? { start: Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) } : undefined;
}

/** Downloads into the part file, continuing from `from` when the server honours Range. Returns the byte offset it resumed from. */
async function download(a: Attempt): Promise<number> {
  const url = new URL(a.url);
  let from = a.from;
  const res = await get(url, from > 0 ? { range: `bytes=${from}-` } : {}, a.opts, a.id);
  let total: number | undefined;
  if (res.statusCode === 206) {
    const range = parseContentRange(res.headers['content-range']);
    if (!range || range.start !== from) {
      // The server sent some other range; start over rather than splice mismatched bytes.
      res.resume();
      fs.rmSync(a.part, { force: true });
      return download({ ...a, from: 0 });
    }
    total = range.total;
  } else if (res.statusCode === 200) {
    from = 0; // Range ignored (or none asked): the body is the whole file.
    const length = Number(res.headers['content-length']);
    total = Number.isFinite(length) && length > 0 ? length : undefined;
  } else if (res.statusCode === 416 && from > 0) {
    res.resume();
    if (a.expected.size === from) return from; // the part is already complete
    fs.rmSync(a.part, { force: true });
    return download({ ...a, from: 0 });
  } else {
    res.resume();
    throw new FaceKitError('MODEL_MISSING', `${url.host} answered HTTP ${res.statusCode} for ${url.pathname}`);
  }
  if (a.expected.size !== undefined && total !== undefined && total !== a.expected.size) {
    res.resume();
    throw new FaceKitError('BAD_INPUT', `${url.host} offers ${total} bytes, expected ${a.expected.size}; is the URL right?`);
  }

  let received = from;
  a.opts.onProgress?.(received, total);
  const out = fs.createWriteStream(a.part, { flags: from > 0 ? 'a' : 'w' });
  let failure: unknown;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      received += chunk.length;
      a.opts.onProgress?.(received, total);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (error) {
    failure = error; // connection dropped, stalled or cancelled
  }
  // Flush what did arrive, so the next run resumes after it, and close the file before returning:
  // nothing may still be writing to the .part when a retry appends to it.
  out.end();
  try {
    await finished(out);
  } catch (error) {
    failure ??= error;
  }
  if (failure) {
    if (a.opts.signal?.aborted) throw new FaceKitError('CANCELLED', 'cancelled; run the command again to resume');
    throw new FaceKitError(
      'MODEL_MISSING',
      `download interrupted after ${received} bytes (${errorCode(failure) ?? (failure as Error).message}); run the command again to resume`,
    );
  }
  if (total !== undefined && received < total) {
    throw new FaceKitError('MODEL_MISSING', `connection closed after ${received} of ${total} bytes; run the command again to resume`);
  }
  return from;
}

/**
 * Downloads a model's file (only VGG19 has one today) and installs it where `findModelFile` looks.
 * Offline or unreachable hosts give a one-line MODEL_MISSING error (details.reason 'offline'; the CLI then points at `models import`).
 */
export async function fetchModel(id: string, opts: FetchModelOptions = {}): Promise<FetchModelResult> {
  const env = opts.env ?? process.env;
  const entry = getModel(id, opts.manifest);
  const file = downloadableFile(entry);
  const urlText = opts.url ?? (file.urlEnv ? env[file.urlEnv] : undefined) ?? file.url;
  if (!urlText) throw new FaceKitError('BAD_INPUT', `model '${id}' has no download URL`);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new FaceKitError('BAD_INPUT', `not a URL: ${urlText}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FaceKitError('BAD_INPUT', `only http(s) URLs can be downloaded: ${urlText}`);
  const expected: ExpectedFile = opts.expected ?? { md5: file.md5, size: file.size };
  const dest = installPath(id, { env, manifest: opts.manifest, destDir: opts.destDir });
  const part = `${dest}.part`;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  throwIfCancelled(opts.signal);

  if (!opts.force && fs.existsSync(dest)) {
    const check = await checkFile(dest, expected, opts.signal);
    if (check.ok) return { path: dest, url: url.href, bytes: check.size, md5: check.md5, resumedFrom: 0, alreadyInstalled: true };
  }

  for (let tries = 0; ; tries++) {
    let from = fileSizeOr0(part);
    if (expected.size !== undefined && from > expected.size) {
      fs.rmSync(part, { force: true });
      from = 0;
    }
    const resumedFrom = await download({ url: url.href, part, from, expected, opts, id });
    const check = await checkFile(part, expected, opts.signal);
    if (!check.ok) {
      fs.rmSync(part, { force: true });
      // A stale or foreign .part can spoil a resumed download: retry once from scratch.
      if (resumedFrom > 0 && tries === 0) continue;
      throw new FaceKitError('BAD_INPUT', `the download from ${url.host} is corrupt (${check.problem}); deleted it — run the command again`);
    }
    try {
      await validateModelFile(id, part, { strict: !opts.expected });
    } catch (error) {
      fs.rmSync(part, { force: true });
      const why = error instanceof FaceKitError && error.file ? error.message.slice(error.file.length + 2) : (error as Error).message;
      throw new FaceKitError('BAD_INPUT', `${url.href} did not serve usable ${id} weights (${why}); deleted the download`);
    }
    fs.renameSync(part, dest);
    return { path: dest, url: url.href, bytes: check.size, md5: check.md5, resumedFrom, alreadyInstalled: false };
  }
}
