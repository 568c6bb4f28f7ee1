import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from '../../../api/codec.ts';
import { parseArgs, isCallName } from '../../../api/definition.ts';

test('messages with image bytes round-trip as one binary frame, bytes intact', () => {
  const a = new Uint8Array([1, 2, 3, 255]);
  const b = new Uint8Array(1000).fill(7);
  const message = {
    type: 'call',
    id: 3,
    method: 'enrol.photo',
    args: { name: 'Zoë "Z" O\'Brien', image: { bytes: a, name: 'a.jpg' }, more: [b] },
  };
  const frame = encodeMessage(message);
  assert.ok(frame.byteLength < 1004 + 300, 'bytes are not inflated (no base64)');
  assert.deepEqual(decodeMessage(frame), message);
});

test('malformed frames are refused, not trusted', () => {
  assert.throws(() => decodeMessage(new Uint8Array([1, 0])), /too short/);
  assert.throws(() => decodeMessage(new Uint8Array([200, 0, 0, 0, 123])), /exceeds/);
  const lying = encodeMessage({ x: { $bytes: [0, 50] } });
  assert.throws(() => decodeMessage(lying), /out of range/);
  const json = new TextEncoder().encode('{"x":');
  const frame = new Uint8Array(4 + json.length);
  new DataView(frame.buffer).setUint32(0, json.length, true);
  frame.set(json, 4);
  assert.throws(() => decodeMessage(frame), SyntaxError);
});

test('arguments are checked against the api definition with readable messages', () => {
  assert.ok(isCallName('people.list'));
  assert.ok(!isCallName('__proto__'));
  assert.ok(!isCallName('toString'));
  assert.throws(
    () => parseArgs('enrol.photo', { name: '  ', image: { bytes: new Uint8Array(0), name: 'x.jpg' } }),
    /name: the name is empty; image\.bytes: the image is empty/,
  );
  assert.throws(() => parseArgs('people.rename', { name: 'a'.repeat(101), newName: 'b' }), /longer than 100/);
  assert.throws(() => parseArgs('gallery.image', { id: -1 }), /id/);
  assert.throws(() => parseArgs('settings.set', { threshold: 'low' }), /threshold/);
  const parsed = parseArgs('style.start', {
    content: { bytes: new Uint8Array([1]), name: 'c.jpg' },
    styles: [{ bytes: new Uint8Array([1]), name: 's.jpg' }],
    settings: {},
  });
  assert.equal(parsed.settings.size, 384);
  assert.equal(parsed.styles[0]?.weight, 1);
});
