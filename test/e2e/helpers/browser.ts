// Test helper: Debian's Chromium driven by playwright-core (Playwright's own browser download does not
// work here), with a fake camera playing a file and camera permission pre-granted.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.FACEKIT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the end-to-end suite cannot run, or undefined when it can. On a developer's machine a missing
 * Chromium skips the suite; under CI (CI set) it throws, so CI cannot go green without opening the app.
 */
export function chromiumMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined;
  const reason = `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set FACEKIT_CHROMIUM)`;
  if (env.CI) throw new Error(`${reason}; CI is set, so the end-to-end suite fails instead of skipping`);
  return reason;
}

export function launchChromium(fakeCameraFile?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', // CI runs as root
      '--disable-gpu',
      '--disable-background-networking', // the closed network refuses Google's hosts noisily
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      ...(fakeCameraFile ? [`--use-file-for-fake-video-capture=${fakeCameraFile}`] : []),
    ],
  });
}
