// What `npm start` runs: builds the renderer when it is missing or older than its sources, then starts
// the Electron app if Electron's binary is installed, else falls back to browser mode
// (`facekit serve --open`). Extra arguments go to whichever child runs.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const extraArgs = process.argv.slice(2);

/** Newest modification time under the given files/folders (0 when none exist). */
function newestMtime(entries) {
  let newest = 0;
  for (const entry of entries) {
    let stat;
    try {
      stat = fs.statSync(entry);
    } catch {
      continue;
    }
    if (stat.isDirectory()) newest = Math.max(newest, newestMtime(fs.readdirSync(entry).map((name) => path.join(entry, name))));
    else newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

function buildRendererIfStale() {
  const built = path.join(root, 'renderer', 'dist', 'index.html');
  // The renderer also imports api (the call definitions and the codec).
  const sources = ['renderer/src', 'renderer/index.html', 'renderer/vite.config.ts', 'renderer/svelte.config.js', 'api'].map((p) =>
    path.join(root, p),
  );
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  if (builtAt >= newestMtime(sources)) return;
  console.error('Building the renderer (vite)…');
  run('npx', ['vite', 'build', '-c', 'renderer/vite.config.ts', '--logLevel', 'warn']);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * The Electron executable if it is already downloaded, else null. Deliberately not require('electron'):
 * that downloads the binary when it is missing. Mirrors node_modules/electron/index.js otherwise.
 */
function electronBinary() {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const dir = path.join(root, 'node_modules', 'electron');
  let relative;
  try {
    relative = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8'); // written by install.js after extracting
  } catch {
    relative = override ? 'electron' : '';
  }
  const binary = relative && path.join(override || path.join(dir, 'dist'), relative);
  return binary && fs.existsSync(binary) ? binary : null;
}

/** Runs the child with our stdio, passes SIGINT/SIGTERM on, and exits the way it exits. */
function runChild(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
  const forward = (signal) => child.exitCode === null && child.signalCode === null && child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (error) => {
    console.error(`Could not start ${command}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}

buildRendererIfStale();
const electron = electronBinary();
if (electron) {
  run(process.execPath, ['scripts/build-electron.mjs']);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // set, it would make Electron behave as plain Node
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  // `electron .` reads package.json (app name, version); the file path works before "main" is set.
  runChild(electron, [pkg.main === 'out/main/index.js' ? '.' : 'out/main/index.js', ...extraArgs], env);
} else {
  console.error(
    "Electron's binary is not installed (it is downloaded on first use from GitHub; run `npx install-electron` " +
      'or `node node_modules/electron/install.js` where the network allows). Starting browser mode instead: ' +
      '`facekit serve --open` runs the same engine and UI on 127.0.0.1 and opens it in Chromium or your default ' +
      'browser; press Ctrl+C here to stop it.',
  );
  runChild(process.execPath, [path.join(root, 'bin', 'facekit.js'), 'serve', '--open', ...extraArgs]);
}
