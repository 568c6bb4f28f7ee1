// Runs everywhere (Node and browser). Encodes an api message as one binary WebSocket frame:
// [u32 JSON length][JSON][raw bytes…]. Every Uint8Array in the message travels as raw bytes (no
// base64), replaced in the JSON by {"$bytes": [offset, length]}. Electron IPC does not need this:
// structured clone carries Uint8Array as is.

const BYTES_KEY = '$bytes';

export function encodeMessage(message: unknown): Uint8Array {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const json = JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      chunks.push(value);
      const ref = { [BYTES_KEY]: [offset, value.byteLength] };
      offset += value.byteLength;
      return ref;
    }
    return value;
  });
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(4 + head.byteLength + offset);
  new DataView(out.buffer).setUint32(0, head.byteLength, true);
  out.set(head, 4);
  let at = 4 + head.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Throws on a frame that is not one of ours (wrong length, bad JSON, byte refs out of range). */
export function decodeMessage(frame: Uint8Array): unknown {
  if (frame.byteLength < 4) throw new Error('message too short');
  const jsonLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
  if (4 + jsonLength > frame.byteLength) throw new Error('message length field exceeds the frame');
  const body = frame.subarray(4 + jsonLength);
  const json = new TextDecoder().decode(frame.subarray(4, 4 + jsonLength));
  return JSON.parse(json, (_key, value: unknown) => {
    if (value && typeof value === 'object' && BYTES_KEY in value) {
      const ref = (value as Record<string, unknown>)[BYTES_KEY];
      if (!Array.isArray(ref) || ref.length !== 2 || !ref.every((n) => Number.isInteger(n) && n >= 0))
        throw new Error('bad byte reference');
      const [start, length] = ref as [number, number];
      if (start + length > body.byteLength) throw new Error('byte reference out of range');
      return body.slice(start, start + length);
    }
    return value;
  });
}
