import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isFaceKitError } from '../../../api/errors.ts';
import { findModelFile, importModel, installPath } from '../../../engine/models/index.ts';
import { writeRandomVgg19H5 } from '../../helpers/vgg19-h5.ts';

const SMALL = [2, 2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6];
let dir: string;
let small: string;
let md5: string;
let size: number;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-import-'));
  small = path.join(dir, 'copy-from-usb.h5');
  await writeRandomVgg19H5(small, { layout: 'keras1', channels: SMALL, seed: 4 });
  const bytes = fs.readFileSync(small);
  md5 = crypto.createHash('md5').update(bytes).digest('hex');
  size = bytes.length;
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const fileMd5 = (file: string) => crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex');

test('imports a file whose checksum matches, copying it where findModelFile looks', async () => {
  const destDir = path.join(dir, 'a');
  const result = await importModel('vgg19', small, { destDir, expected: { md5, size } });
  assert.equal(result.path, installPath('vgg19', { destDir }));
  assert.equal(result.checksumMatched, true);
  assert.equal(result.md5, md5);
  assert.equal(result.bytes, size);
  assert.equal(fileMd5(result.path), md5);
  assert.ok(fs.existsSync(small), 'the source is copied, not moved');
  assert.deepEqual(fs.readdirSync(path.dirname(result.path)), [path.basename(result.path)], 'no temporary file left');
  assert.equal(findModelFile('vgg19', { env: { FACEKIT_MODELS_DIR: destDir } }), result.path);
});

test('the real manifest checksum rejects another file, naming it; details say why (the CLI names the flag)', async () => {
  const destDir = path.join(dir, 'b');
  await assert.rejects(importModel('vgg19', small, { destDir }), (e: unknown) => {
    assert.ok(isFaceKitError(e, 'BAD_INPUT'));
    assert.equal(e.file, small);
    assert.match(e.message, new RegExp(`size is ${size} bytes, expected 80134624. Copy the file again \\(it may be incomplete\\)$`));
    assert.deepEqual(e.details, { reason: 'checksum-mismatch', model: 'vgg19' });
    return true;
  });
  await assert.rejects(importModel('vgg19', small, { destDir, expected: { md5: 'f'.repeat(32), size } }), (e: unknown) =>
    isFaceKitError(e, 'BAD_INPUT') && /md5 is [0-9a-f]{32}, expected f{32}/.test(e.message),
  );
  assert.ok(!fs.existsSync(installPath('vgg19', { destDir })));
});

test('allowChecksumMismatch installs a different but valid file; structure is still checked', async () => {
  const destDir = path.join(dir, 'c');
  const ok = await importModel('vgg19', small, { destDir, expected: { md5: 'f'.repeat(32) }, allowChecksumMismatch: true });
  assert.equal(ok.checksumMatched, false);
  assert.equal(ok.md5, md5);
  assert.equal(fileMd5(ok.path), md5);

  // Without an explicit `expected`, the real widths are required: reduced test widths are refused.
  const destDir2 = path.join(dir, 'c2');
  await assert.rejects(importModel('vgg19', small, { destDir: destDir2, allowChecksumMismatch: true }), (e: unknown) =>
    isFaceKitError(e, 'BAD_INPUT') && /expected \[3,3,3,64\]/.test(e.message),
  );
  const text = path.join(dir, 'readme.txt');
  fs.writeFileSync(text, 'not weights');
  await assert.rejects(importModel('vgg19', text, { destDir: destDir2, allowChecksumMismatch: true }), (e: unknown) =>
    isFaceKitError(e, 'BAD_INPUT') && /not an HDF5 file/.test(e.message),
  );
  assert.ok(!fs.existsSync(installPath('vgg19', { destDir: destDir2 })));
});

test('a real-width file passes the strict check on import', async () => {
  const real = path.join(dir, 'real.h5');
  await writeRandomVgg19H5(real, { layout: 'keras2-nested', seed: 8 });
  const destDir = path.join(dir, 'd');
  const result = await importModel('vgg19', real, { destDir, allowChecksumMismatch: true });
  assert.equal(result.checksumMatched, false);
  assert.equal(fs.statSync(result.path).size, fs.statSync(real).size);
  fs.rmSync(real);
  fs.rmSync(destDir, { recursive: true });
});

test('missing source, unknown model and npm-shipped models are clear errors', async () => {
  const destDir = path.join(dir, 'e');
  await assert.rejects(importModel('vgg19', path.join(dir, 'nope.h5'), { destDir }), (e: unknown) => isFaceKitError(e, 'NOT_FOUND'));
  await assert.rejects(importModel('ssd_mobilenetv1', small, { destDir }), (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /ships with the app/.test(e.message));
  await assert.rejects(importModel('vgg16', small, { destDir }), (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /unknown model 'vgg16'/.test(e.message));
});
