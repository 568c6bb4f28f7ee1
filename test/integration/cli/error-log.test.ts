// Unexpected errors: the real `facekit` command writes the stack to <dataDir>/logs/facekit.log and the
// one line the user sees names that file; expected errors leave no log. The log is capped by rotation.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';
import { FaceKitError } from '../../../api/errors.ts';
import { errorLogPath, MAX_LOG_BYTES, reportUnexpected } from '../../../engine/runtime/error-log.ts';

test('a crash that is not a FaceKitError: exit 3, the stack in the log, the message names the log', async () => {
  const dir = tempDir();
  const dataDir = path.join(dir, 'data');
  const log = path.join(dataDir, 'logs', 'facekit.log');
  // A folder where the store file should be: reading it fails with EISDIR, which no check expects.
  const db = path.join(dir, 'store.db');
  fs.mkdirSync(db);
  const result = await runCli(['people', 'list'], { FACEKIT_DATA_DIR: dataDir, FACEKIT_DB: db, FACEKIT_DEBUG: '' });
  assert.equal(result.code, 3, result.stderr);
  assert.equal(result.stderr, `facekit: internal error: EISDIR: illegal operation on a directory, read (details in ${log})\n`);
  const written = fs.readFileSync(log, 'utf8');
  assert.match(written, /^\d{4}-\d\d-\d\dT[\d:.]+Z pid \d+ facekit people\nError: EISDIR: illegal operation on a directory, read\n\s+at /);

  const again = await runCli(['people', 'list', '--json'], { FACEKIT_DATA_DIR: dataDir, FACEKIT_DB: db, FACEKIT_DEBUG: '' });
  assert.equal(again.code, 3);
  assert.deepEqual(again.json, {
    error: { code: 'INTERNAL', message: `internal error: EISDIR: illegal operation on a directory, read (details in ${log})` },
  });
  assert.ok(fs.readFileSync(log, 'utf8').startsWith(written), 'appended, not replaced');
});

test('an INTERNAL FaceKitError (a malformed model manifest) is logged too, with its stack', async () => {
  const dir = tempDir();
  const dataDir = path.join(dir, 'data');
  const models = path.join(dir, 'models');
  fs.mkdirSync(models);
  fs.writeFileSync(path.join(models, 'manifest.json'), '{ "models": 7 }');
  const result = await runCli(['models', 'list'], { FACEKIT_DATA_DIR: dataDir, FACEKIT_BUNDLED_MODELS_DIR: models });
  assert.equal(result.code, 3, result.stderr);
  const log = errorLogPath(dataDir);
  assert.match(result.stderr, /^facekit: .*the model manifest is malformed \(details in (.*)\)\n$/);
  assert.ok(result.stderr.includes(`(details in ${log})`));
  assert.match(fs.readFileSync(log, 'utf8'), /pid \d+ facekit models\nFaceKitError: .*the model manifest is malformed\n\s+at /);
});

test('expected errors are not logged', async () => {
  const dataDir = path.join(tempDir(), 'data');
  const result = await runCli(['enroll', 'Nobody', photo.noFace], {
    FACEKIT_DATA_DIR: dataDir,
    FACEKIT_DB: path.join(dataDir, 'store.db'),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.ok(!fs.existsSync(errorLogPath(dataDir)));
});

test('reportUnexpected: logs once (a logged error that crosses a thread is not logged again), rotates past the cap', () => {
  const dataDir = tempDir();
  const log = errorLogPath(dataDir);
  const expected = new FaceKitError('NO_FACE', 'no face found', 'a.jpg');
  assert.equal(reportUnexpected(expected, { dataDir }), expected);
  assert.ok(!fs.existsSync(log));

  const shown = reportUnexpected(new RangeError('boom'), { dataDir, where: 'test' });
  assert.equal(shown.code, 'INTERNAL');
  assert.equal(shown.message, `internal error: boom (details in ${log})`);
  assert.equal(shown.details?.log, log);
  const crossed = FaceKitError.fromErrorInfo(shown.toErrorInfo());
  assert.equal(reportUnexpected(crossed, { dataDir }), crossed);
  assert.equal(fs.readFileSync(log, 'utf8').match(/RangeError: boom/g)?.length, 1);

  // An INTERNAL error about a file keeps its file.
  const aboutFile = reportUnexpected(new FaceKitError('INTERNAL', 'the encrypted copy differs', 'x.db'), { dataDir });
  assert.equal(aboutFile.file, 'x.db');
  assert.equal(aboutFile.message, `x.db: the encrypted copy differs (details in ${log})`);

  fs.appendFileSync(log, 'x'.repeat(MAX_LOG_BYTES));
  reportUnexpected(new Error('after the cap'), { dataDir });
  assert.ok(fs.statSync(`${log}.1`).size > MAX_LOG_BYTES);
  assert.match(fs.readFileSync(log, 'utf8'), /^\S+ pid \d+\nError: after the cap\n/);
});
