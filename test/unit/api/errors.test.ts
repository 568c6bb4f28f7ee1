// The one error type: what crosses a thread or a transport comes back as the same class with the same
// code, message, file and details; anything else is INTERNAL.
import test from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { FaceKitError, fromErrorInfo, toErrorInfo } from '../../../api/errors.ts';
import { decodeMessage, encodeMessage } from '../../../api/codec.ts';
import { parseArgs } from '../../../api/definition.ts';

const details = {
  faces: [
    { index: 0, box: { x: 1.5, y: 2, width: 30, height: 40 } },
    { index: 1, box: { x: 90, y: 2, width: 30, height: 40 } },
  ],
  note: null,
};

function assertSame(back: FaceKitError, original: FaceKitError): void {
  assert.ok(back instanceof FaceKitError);
  assert.equal(back.name, 'FaceKitError');
  assert.equal(back.code, original.code);
  assert.equal(back.message, original.message);
  assert.equal(back.file, original.file);
  assert.deepEqual(back.details, original.details);
}

test('toErrorInfo → fromErrorInfo keeps code, message, file and details (the file is not prefixed twice)', () => {
  const original = new FaceKitError('MULTIPLE_FACES', '2 faces found', { file: 'group.jpg', details });
  assert.equal(original.message, 'group.jpg: 2 faces found');
  const info = original.toErrorInfo();
  assert.deepEqual(info, { code: 'MULTIPLE_FACES', message: 'group.jpg: 2 faces found', file: 'group.jpg', details });
  assertSame(fromErrorInfo(info), original);
  assertSame(FaceKitError.fromErrorInfo(toErrorInfo(original)), original);

  const plain = new FaceKitError('NOT_FOUND', 'no person named "Ann"');
  assert.deepEqual(plain.toErrorInfo(), { code: 'NOT_FOUND', message: 'no person named "Ann"' }, 'no empty file or details keys');
  assertSame(fromErrorInfo(plain.toErrorInfo()), plain);
  // The older call form (the file as third argument) still works.
  assert.equal(new FaceKitError('NO_FACE', 'no face found', 'a.jpg').file, 'a.jpg');
});

test('the same holds over both transports: structured clone (worker threads, IPC) and the WebSocket codec', async () => {
  const original = new FaceKitError('LOW_QUALITY', 'face is too blurred', {
    file: 'ü 1.jpg',
    details: { problems: ['face is too blurred'] },
  });
  const reply = { type: 'result', id: 7, ok: false, error: original.toErrorInfo() };
  assertSame(fromErrorInfo((decodeMessage(encodeMessage(reply)) as typeof reply).error), original);

  const { port1, port2 } = new MessageChannel();
  const received = new Promise<typeof reply>((resolve) => port2.once('message', resolve));
  port1.postMessage(reply);
  assertSame(fromErrorInfo((await received).error), original);
  port1.close();
});

test('anything that is not a FaceKitError becomes INTERNAL, keeping what was thrown as the cause', () => {
  const crash = new TypeError('x is undefined');
  const error = FaceKitError.from(crash);
  assert.equal(error.code, 'INTERNAL');
  assert.equal(error.message, 'internal error: x is undefined');
  assert.equal(error.cause, crash);
  assert.deepEqual(toErrorInfo('a string'), { code: 'INTERNAL', message: 'internal error: a string' });
  // A Node error's own code (ENOENT, SQLITE_BUSY) is not one of ours.
  assert.equal(FaceKitError.from(Object.assign(new Error('gone'), { code: 'ENOENT' })).code, 'INTERNAL');
});

test('fromErrorInfo does not trust the wire: unknown codes and malformed values become INTERNAL', () => {
  const unknownCode = fromErrorInfo({ code: 'SQLITE_BUSY', message: 'database is locked' });
  assert.equal(unknownCode.code, 'INTERNAL');
  assert.equal(unknownCode.message, 'database is locked');
  assert.equal(fromErrorInfo(undefined).code, 'INTERNAL');
  assert.equal(fromErrorInfo(new Error('Error invoking remote method')).message, 'internal error: Error invoking remote method');
  const odd = fromErrorInfo({ code: 'BAD_INPUT', message: 'm', file: 42, details: 'not an object' });
  assert.equal(odd.file, undefined);
  assert.equal(odd.details, undefined);
});

test('a call with bad arguments is one FaceKitError: BAD_INPUT naming the call, each problem in details', () => {
  assert.throws(
    () => parseArgs('people.rename', { name: 'Ann', newName: '' }),
    (error: unknown) => {
      assert.ok(error instanceof FaceKitError);
      assert.equal(error.code, 'BAD_INPUT');
      assert.match(error.message, /^people\.rename: newName: the name is empty$/);
      assert.deepEqual(error.details, { method: 'people.rename', issues: [{ path: 'newName', message: 'the name is empty' }] });
      return true;
    },
  );
});
