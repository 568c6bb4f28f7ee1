// Runs in the engine process. The files of the pretrained networks of @vladmandic/face-api (MIT), whose
// weights ship inside the npm package: SSD-MobileNetV1 and Tiny detectors, 68-point landmarks, dlib's
// 128-D ResNet descriptor. The networks themselves are loaded by nets.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { FaceKitError } from '../../api/errors.ts';

export { faceapi };

const require = createRequire(import.meta.url);

export const FACE_MODEL_FILES = {
  detector: 'ssd_mobilenetv1_model',
  landmarks: 'face_landmark_68_model',
  descriptor: 'face_recognition_model',
  fastDetector: 'tiny_face_detector_model',
} as const;

export function faceModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

export interface FaceModelFile {
  role: keyof typeof FACE_MODEL_FILES;
  manifest: string;
  weights: string;
  found: boolean;
}

export function faceModelFiles(dir = faceModelDir()): FaceModelFile[] {
  return Object.entries(FACE_MODEL_FILES).map(([role, base]) => {
    const manifest = path.join(dir, `${base}-weights_manifest.json`);
    const weights = path.join(dir, `${base}.bin`);
    return { role: role as FaceModelFile['role'], manifest, weights, found: fs.existsSync(manifest) && fs.existsSync(weights) };
  });
}

/**
 * Identifies the descriptor network by a hash of its weights: embeddings stored under another id were
 * made by another model and cannot be compared with new ones.
 */
export function descriptorModelId(dir = faceModelDir()): string {
  const bytes = fs.readFileSync(path.join(dir, `${FACE_MODEL_FILES.descriptor}.bin`));
  return `dlib-resnet128-${crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
}

/**
 * Throws MODEL_MISSING naming every face model file missing from `dir`. The networks themselves are
 * loaded by the models in nets.ts, each owned by a ModelRegistry (engine/models/loaded-models.ts).
 */
export function requireFaceModelFiles(dir = faceModelDir()): void {
  const missing = faceModelFiles(dir).filter((f) => !f.found);
  if (missing.length) {
    const files = missing.map((m) => path.basename(m.weights));
    // These ship with the app (the npm package); details.reason lets each shell say how to restore them.
    throw new FaceKitError('MODEL_MISSING', `face model files missing in ${dir}: ${files.join(', ')}`, {
      details: { reason: 'files-missing', model: 'face', dir, files },
    });
  }
}
