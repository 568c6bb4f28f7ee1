// Runs anywhere. The model manifest (models/manifest.json): which weights FaceKit uses, where they come
// from, and the size/md5 a downloaded or imported file must have.
import fs from 'node:fs';
import path from 'node:path';
import { bundledModelsDir } from '../runtime/paths.ts';
import { FaceKitError } from '../../api/errors.ts';

export interface ModelFileEntry {
  name: string;
  /** Bytes. Enforced for downloadable models; informational for npm-shipped ones. */
  size?: number;
  md5?: string;
  /** Official download URL (downloadable models only). */
  url?: string;
  /** Environment variable that overrides `url` (e.g. a mirror, or a local server in tests). */
  urlEnv?: string;
}

export interface ModelEntry {
  id: string;
  title: string;
  /** Sub-folder of each models directory the files live in. */
  dir: string;
  /** At least one (loadManifest refuses a model without files); the first is the one looked for. */
  files: [ModelFileEntry, ...ModelFileEntry[]];
  /** Set for weights that ship inside an npm package (nothing to download). */
  npm?: { package: string; version: string; dir: string };
  licence: string;
  source: string;
}

export interface ModelManifest {
  version: number;
  models: ModelEntry[];
}

export const MANIFEST_PATH = path.join(bundledModelsDir, 'manifest.json');

let cached: ModelManifest | undefined;

export function loadManifest(file: string = MANIFEST_PATH): ModelManifest {
  if (file === MANIFEST_PATH && cached) return cached;
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelManifest;
  } catch (error) {
    throw new FaceKitError('INTERNAL', `cannot read the model manifest (${error instanceof Error ? error.message : String(error)})`, file);
  }
  if (!Array.isArray(manifest.models) || manifest.models.some((m) => !m.id || !m.dir || !Array.isArray(m.files) || !m.files.length)) {
    throw new FaceKitError('INTERNAL', 'the model manifest is malformed', file);
  }
  if (file === MANIFEST_PATH) cached = manifest;
  return manifest;
}

export function modelIds(manifest: ModelManifest = loadManifest()): string[] {
  return manifest.models.map((m) => m.id);
}

export function getModel(id: string, manifest: ModelManifest = loadManifest()): ModelEntry {
  const entry = manifest.models.find((m) => m.id === id);
  if (!entry) throw new FaceKitError('BAD_INPUT', `unknown model '${id}'; known models: ${modelIds(manifest).join(', ')}`);
  return entry;
}

/** A file that can be downloaded or imported: its checksum is known. */
export type DownloadableFileEntry = ModelFileEntry & { md5: string };

/** The model's one downloadable file, or a clear error for npm-shipped models. */
export function downloadableFile(entry: ModelEntry): DownloadableFileEntry {
  const [file] = entry.files;
  if (entry.npm || entry.files.length !== 1 || !file.md5) {
    const from = entry.npm ? ` (it ships with the app in the npm package ${entry.npm.package})` : '';
    throw new FaceKitError('BAD_INPUT', `model '${entry.id}' is not downloaded or imported separately${from}`);
  }
  return { ...file, md5: file.md5 };
}
