// Runs in the Electron main process, but imports nothing from Electron, so the tests can check it:
// the decisions behind the security checklist (which origin is ours, which links may open outside,
// which camera requests are granted, how big an IPC message may be).

export const APP_SCHEME = 'app';
export const APP_HOST = 'facekit';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True for URLs on our own origin (Node's URL gives custom schemes an opaque origin, so compare parts). */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Hosts whose https pages (project, licences, model sources) may open in the system browser. */
const EXTERNAL_HOSTS = new Set(['github.com', 'opensource.org', 'creativecommons.org', 'spdx.org']);

export function isAllowedExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && EXTERNAL_HOSTS.has(parsed.hostname) && !parsed.port && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

/** Same page apart from the #fragment (in-app routing). */
export function isHashChange(from: string, to: string): boolean {
  return isAppUrl(to) && from.split('#')[0] === to.split('#')[0];
}

/** A media request for the camera alone: every requested type is video (no microphone, no screen). */
export function isVideoOnly(mediaTypes: readonly string[] | undefined): boolean {
  return !!mediaTypes && mediaTypes.length > 0 && mediaTypes.every((type) => type === 'video');
}

/**
 * Rough size of a structured-clone payload: binary data and string lengths plus a little per entry.
 * Stops counting once past `limit`, so a huge message costs no more than the limit to measure.
 */
export function payloadSize(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  const seen = new Set<object>();
  while (stack.length > 0 && total <= limit) {
    const item = stack.pop();
    total += 8;
    if (typeof item === 'string') total += item.length;
    else if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) total += item.byteLength;
    else if (item && typeof item === 'object' && !seen.has(item)) {
      seen.add(item);
      for (const [key, entry] of Object.entries(item)) {
        total += key.length;
        stack.push(entry);
      }
    }
  }
  return total;
}
