// Runs in Node. Finds installed model weights and says which are missing (the shells say how to get them).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { modelSearchDirs, userModelsDir } from '../runtime/paths.ts';
import { FaceKitError } from '../../api/errors.ts';
import { getModel, loadManifest, type ModelEntry, type ModelManifest } from './manifest.ts';

const require = createRequire(import.meta.url);

export const VGG19_ID = 'vgg19';

export interface ModelLookupOptions {
  env?: NodeJS.ProcessEnv;
  manifest?: ModelManifest;
}

function fileSize(file: string): number | undefined {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

/** The npm package's model folder, when the package is installed. */
function npmModelDir(entry: ModelEntry): string | undefined {
  if (!entry.npm) return undefined;
  try {
    return path.join(path.dirname(require.resolve(`${entry.npm.package}/package.json`)), entry.npm.dir);
  } catch {
    return undefined;
  }
}

/** Folders that may hold the model's files, in search order. */
export function candidateDirs(entry: ModelEntry, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = modelSearchDirs(env).map((d) => path.join(d, entry.dir));
  const npmDir = npmModelDir(entry);
  return npmDir ? [...dirs, npmDir] : dirs;
}

/** Where `models fetch`/`models import` put the model's (single) file: `<destDir or userModelsDir>/<dir>/<name>`. */
export function installPath(id: string, opts: ModelLookupOptions & { destDir?: string } = {}): string {
  const entry = getModel(id, opts.manifest);
  return path.join(opts.destDir ?? userModelsDir(opts.env), entry.dir, entry.files[0].name);
}

/**
 * Path of the model's first file in the first folder holding all its files (FACEKIT_MODELS_DIR or the user
 * data dir, then the bundled models/ folder, then the npm package for face models); undefined if none.
 */
export function findModelFile(id: string, opts: ModelLookupOptions = {}): string | undefined {
  const entry = getModel(id, opts.manifest);
  for (const dir of candidateDirs(entry, opts.env)) {
    if (entry.files.every((f) => fileSize(path.join(dir, f.name)) !== undefined)) return path.join(dir, entry.files[0].name);
  }
  return undefined;
}

/**
 * The MODEL_MISSING error for VGG19: what is missing and where it was looked for. The details (model
 * id, file, download URL, install path) let each shell word its own advice (cli/hints.ts).
 */
export function vgg19Missing(opts: ModelLookupOptions = {}): FaceKitError {
  const entry = getModel(VGG19_ID, opts.manifest);
  const [file] = entry.files;
  const installTo = installPath(VGG19_ID, opts);
  const searched = candidateDirs(entry, opts.env);
  const message = [
    'VGG19 weights are not installed; style transfer needs them.',
    `They will be stored as ${installTo}`,
    `(looked in: ${searched.join(', ')})`,
  ].join('\n');
  return new FaceKitError('MODEL_MISSING', message, {
    details: {
      reason: 'not-installed',
      model: VGG19_ID,
      fileName: file.name,
      ...(file.size ? { bytes: file.size } : {}),
      ...(file.url ? { url: file.url } : {}),
      installPath: installTo,
      searched,
    },
  });
}

/** The text a user sees when style transfer needs VGG19 and it is not installed. */
export function vgg19MissingMessage(opts: ModelLookupOptions = {}): string {
  return vgg19Missing(opts).message;
}

/** Path of the VGG19 weights, or a MODEL_MISSING error saying what is missing. */
export function requireVgg19(opts: ModelLookupOptions = {}): string {
  const found = findModelFile(VGG19_ID, opts);
  if (found) return found;
  throw vgg19Missing(opts);
}

export interface ModelStatus {
  id: string;
  title: string;
  /** 'wrong-size': present, but not the size the manifest pins (a partial copy or another release). */
  status: 'installed' | 'missing' | 'wrong-size';
  /** The model's first file, when found. */
  path?: string;
  /** Bytes on disk, all the model's files together, when found. */
  size?: number;
  /** Bytes the manifest expects, when it says. */
  expectedSize?: number;
  /** 'download' models can be fetched/imported; 'npm' ones ship with the app. */
  origin: 'download' | 'npm';
  licence: string;
  source: string;
}

export function listModels(opts: ModelLookupOptions = {}): ModelStatus[] {
  const manifest = opts.manifest ?? loadManifest();
  return manifest.models.map((entry) => {
    const found = findModelFile(entry.id, { ...opts, manifest });
    const sizes = entry.files.map((f) => f.size);
    const expectedSize = sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => a + b, 0) : undefined;
    const base = { id: entry.id, title: entry.title, expectedSize, origin: entry.npm ? 'npm' : 'download', licence: entry.licence, source: entry.source } as const;
    if (!found) return { ...base, status: 'missing' };
    const dir = path.dirname(found);
    const size = entry.files.reduce((sum, f) => sum + (fileSize(path.join(dir, f.name)) ?? 0), 0);
    // npm-shipped files may change with the package version; only pinned downloads are size-checked.
    const wrong = !entry.npm && expectedSize !== undefined && size !== expectedSize;
    return { ...base, status: wrong ? 'wrong-size' : 'installed', path: found, size };
  });
}
