// Runs in `facekit serve --open`. Opens the app's URL: Chromium (or Chrome) in --app mode when
// installed, which looks like a desktop window; else the system's default browser.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** Returns what was opened, for the message the user sees. */
export function openBrowser(url: string, profileDir: string): string {
  const chromium = CHROMIUM_PATHS.find((p) => fs.existsSync(p));
  if (chromium) {
    fs.mkdirSync(profileDir, { recursive: true });
    // Its own profile: the camera permission and window size stay with FaceKit, not the user's browsing.
    spawn(chromium, [`--app=${url}`, `--user-data-dir=${path.resolve(profileDir)}`, '--no-first-run', '--no-default-browser-check'], {
      detached: true,
      stdio: 'ignore',
    }).unref();
    return `${path.basename(chromium)} (app window)`;
  }
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  spawn(command, args, { detached: true, stdio: 'ignore' })
    .on('error', () => {})
    .unref();
  return 'the default browser';
}
