// Runs anywhere. Where FaceKit keeps its data, following each platform's convention; Electron's
// app.getPath('userData') resolves to the same folders, so the CLI and the app share one store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** ~/.local/share/facekit on Linux (or $XDG_DATA_HOME/facekit), ~/Library/Application Support/FaceKit on macOS, %APPDATA%\FaceKit on Windows. */
export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.FACEKIT_DATA_DIR) return env.FACEKIT_DATA_DIR;
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'FaceKit');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'FaceKit');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'facekit');
}

/**
 * The folder holding FaceKit's package.json: the checkout, or app.asar in a packaged app. Found by
 * walking up from this module, because bundles (out/main/*.js) and sources sit at different depths.
 */
export function appRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'facekit') return dir;
    if (path.dirname(dir) === dir) throw new Error(`FaceKit's package.json was not found above ${from}`);
  }
}

/** The SQLite store: `FACEKIT_DB` overrides the default `<dataDir>/facekit.db`. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.FACEKIT_DB || path.join(dataDir(env), 'facekit.db');
}

/**
 * The repository's `models/` folder (the manifest and bundled weights). A packaged app keeps it in its
 * resources folder instead; the Electron main process says where through FACEKIT_BUNDLED_MODELS_DIR.
 */
export const bundledModelsDir = process.env.FACEKIT_BUNDLED_MODELS_DIR || path.join(appRoot(), 'models');

/** This machine's kiosk name, recorded with its check-ins in registry mode: `FACEKIT_KIOSK`, else the host name. */
export function defaultKioskName(env: NodeJS.ProcessEnv = process.env): string {
  return env.FACEKIT_KIOSK || os.hostname();
}

/** Where downloaded or imported weights go: `FACEKIT_MODELS_DIR`, else `<dataDir>/models`. */
export function userModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FACEKIT_MODELS_DIR || path.join(dataDir(env), 'models');
}

/** Folders searched for model weights, first match wins. */
export function modelSearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [userModelsDir(env), bundledModelsDir];
}
