// The engine worker as the desktop app runs it: esbuild's ES-module bundle (out/main/engine-worker.js,
// scripts/build-electron.mjs), not the TypeScript source through tsx. A bundle resolves packages,
// native addons and relative paths differently from the sources, so it enrols and identifies on real
// photos here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EngineHost } from '../../../host/engine-host.ts';
import type { IdentifyResult } from '../../../api/definition.ts';
import { photo, ROOT, tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let host: EngineHost;
const image = (file: string) => ({ bytes: new Uint8Array(fs.readFileSync(file)), name: path.basename(file) });

before(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-electron.mjs')], { cwd: ROOT, stdio: 'pipe' });
  dir = tempDir();
  process.env.FACEKIT_MODELS_DIR = path.join(dir, 'models');
  host = await EngineHost.start({
    shell: 'electron',
    dbPath: path.join(dir, 'store.db'),
    dataDir: dir,
    workerUrl: new URL(`file://${path.join(ROOT, 'out', 'main', 'engine-worker.js')}`),
  });
});
after(async () => {
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the bundled worker starts, enrols and identifies', async () => {
  assert.equal(host.startupInfo.shell, 'electron');
  await host.call('enrol.photo', { name: 'Barack Obama', image: image(photo.obama) });
  const result = (await host.call('recognize.identify', { image: image(photo.obama2) })) as IdentifyResult;
  assert.equal(result.faces[0]?.match?.name, 'Barack Obama');
});
