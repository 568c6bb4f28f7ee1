// Runs in Node. The model registry's public surface, for the CLI (`facekit models …`) and the engine.
export { loadManifest, getModel, modelIds, MANIFEST_PATH } from './manifest.ts';
export type { ModelEntry, ModelFileEntry, ModelManifest } from './manifest.ts';
export { findModelFile, requireVgg19, vgg19MissingMessage, listModels, installPath, candidateDirs, VGG19_ID } from './registry.ts';
export type { ModelLookupOptions, ModelStatus } from './registry.ts';
export { fetchModel } from './fetch.ts';
export type { FetchModelOptions, FetchModelResult } from './fetch.ts';
export { importModel } from './import.ts';
export type { ImportModelOptions, ImportModelResult } from './import.ts';
export { md5File, checkFile } from './checksum.ts';
export type { ExpectedFile, ChecksumResult } from './checksum.ts';
