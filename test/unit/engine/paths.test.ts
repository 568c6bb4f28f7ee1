// Where FaceKit keeps its data on each platform, and the overrides.
import test from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { dataDir, defaultDbPath, userModelsDir } from '../../../engine/runtime/paths.ts';

test('the store follows each platform convention; FACEKIT_DB and XDG_DATA_HOME override', () => {
  const home = os.homedir();
  assert.equal(dataDir({}, 'linux'), path.join(home, '.local', 'share', 'facekit'));
  assert.equal(dataDir({ XDG_DATA_HOME: '/data' }, 'linux'), path.join('/data', 'facekit'));
  assert.equal(dataDir({}, 'darwin'), path.join(home, 'Library', 'Application Support', 'FaceKit'));
  assert.equal(dataDir({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32'), path.join('C:\\Users\\ada\\AppData\\Roaming', 'FaceKit'));
  assert.equal(defaultDbPath({ FACEKIT_DATA_DIR: '/d' }), path.join('/d', 'facekit.db'));
  assert.equal(defaultDbPath({ FACEKIT_DB: '/tmp/mine.db' }), '/tmp/mine.db');
  assert.equal(userModelsDir({ FACEKIT_DATA_DIR: '/d' }), path.join('/d', 'models'));
  assert.equal(userModelsDir({ FACEKIT_MODELS_DIR: '/m' }), '/m');
});
