import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundledModelsDir } from '../../../engine/runtime/paths.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { findModelFile, getModel, listModels, loadManifest, requireVgg19 } from '../../../engine/models/index.ts';

const VGG_FILE = 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5';
let dir: string;
let env: NodeJS.ProcessEnv;
// A developer may keep the real weights in the repo's models/vgg19/; "missing" cases cannot hold then.
const bundledVgg = fs.existsSync(path.join(bundledModelsDir, 'vgg19', VGG_FILE));

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-registry-'));
  env = { FACEKIT_MODELS_DIR: path.join(dir, 'models'), FACEKIT_DATA_DIR: path.join(dir, 'data') };
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the manifest pins the Keras VGG19 release and lists the face models', () => {
  const vgg = getModel('vgg19');
  assert.deepEqual(vgg.files[0], {
    name: VGG_FILE,
    size: 80134624,
    md5: '253f8cb515780f3b799900260a226db6',
    url: `https://storage.googleapis.com/tensorflow/keras-applications/vgg19/${VGG_FILE}`,
    urlEnv: 'FACEKIT_VGG19_URL',
  });
  assert.deepEqual(loadManifest().models.map((m) => m.id).sort(), ['antispoof', 'blazeface', 'face_landmark_68', 'face_recognition', 'ssd_mobilenetv1', 'vgg19']);
});

test('requireVgg19 says what is missing and where it will go; details carry what a shell needs for its advice', { skip: bundledVgg && 'real weights in models/vgg19' }, () => {
  assert.equal(findModelFile('vgg19', { env }), undefined);
  const installTo = path.join(dir, 'models', 'vgg19', VGG_FILE);
  assert.throws(() => requireVgg19({ env }), (e: unknown) => {
    assert.ok(isFaceKitError(e, 'MODEL_MISSING'));
    assert.match(e.message, /^VGG19 weights are not installed; style transfer needs them\./);
    assert.ok(e.message.includes(`stored as ${installTo}`));
    assert.doesNotMatch(e.message, /facekit models/, 'command-line advice is the CLI\'s (cli/hints.ts)');
    assert.equal(e.details?.reason, 'not-installed');
    assert.equal(e.details?.model, 'vgg19');
    assert.equal(e.details?.fileName, VGG_FILE);
    assert.equal(e.details?.installPath, installTo);
    const url = e.details?.url;
    assert.ok(typeof url === 'string', 'details.url is a string');
    assert.match(url, /^https:\/\/storage\.googleapis\.com\//);
    return true;
  });
});

test('listModels: face models come from the npm package, vgg19 from the models dir', { skip: bundledVgg && 'real weights in models/vgg19' }, () => {
  const before = Object.fromEntries(listModels({ env }).map((m) => [m.id, m]));
  for (const id of ['ssd_mobilenetv1', 'face_landmark_68', 'face_recognition']) {
    const model = before[id];
    assert.ok(model, `${id} is listed`);
    assert.equal(model.status, 'installed', id);
    assert.equal(model.origin, 'npm');
    assert.ok(model.path !== undefined, `${id} has a path`);
    assert.match(model.path, /@vladmandic[/\\]face-api[/\\]model[/\\]/);
    assert.ok(model.size !== undefined && model.size > 0);
  }
  const vgg = before.vgg19;
  assert.ok(vgg, 'vgg19 is listed');
  assert.equal(vgg.status, 'missing');
  assert.equal(vgg.path, undefined);
  assert.equal(vgg.expectedSize, 80134624);

  // A file of the wrong size is found but flagged; requireVgg19 returns it (the loader checks its contents).
  const file = path.join(dir, 'models', 'vgg19', VGG_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.alloc(1234));
  const after = listModels({ env }).find((m) => m.id === 'vgg19');
  assert.ok(after, 'vgg19 is listed');
  assert.equal(after.status, 'wrong-size');
  assert.equal(after.path, file);
  assert.equal(after.size, 1234);
  assert.equal(requireVgg19({ env }), file);
  fs.truncateSync(file, 80134624); // sparse on most filesystems
  assert.equal(listModels({ env }).find((m) => m.id === 'vgg19')?.status, 'installed');
  fs.rmSync(file);
});

test('a user-dir copy of the face models wins over the npm package', () => {
  const faceDir = path.join(dir, 'models', 'face');
  fs.mkdirSync(faceDir, { recursive: true });
  for (const f of getModel('face_recognition').files) fs.writeFileSync(path.join(faceDir, f.name), 'x');
  assert.equal(findModelFile('face_recognition', { env }), path.join(faceDir, 'face_recognition_model-weights_manifest.json'));
  // Only complete sets count: the detector is not in the user dir, so it still comes from npm.
  const detector = findModelFile('ssd_mobilenetv1', { env });
  assert.ok(detector, 'the detector is found');
  assert.match(detector, /@vladmandic/);
});
