// Runs in the engine process. Reads a TensorFlow.js graph model (model.json + its weight files) from
// disk into memory, so tf.loadGraphModel needs no file:// handler (tfjs-node's is not always there).
import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../runtime/tf.ts';

export function readGraphModel(jsonFile: string): tf.io.ModelArtifacts {
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as {
    modelTopology: object;
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const buffers = json.weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(path.dirname(jsonFile), p))));
  const bytes = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  };
}
