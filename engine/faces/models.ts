// Runs in the engine process. The three pretrained networks of @vladmandic/face-api (MIT), whose weights
// ship inside the npm package: SSD-MobileNetV1 detector, 68-point landmarks, dlib's 128-D ResNet descriptor.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { initBackend } from '../runtime/backend.ts';
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

export interface FaceNets {
  detector: faceapi.SsdMobilenetv1;
  landmarks: faceapi.FaceLandmark68Net;
  descriptor: faceapi.FaceRecognitionNet;
  modelId: string;
}

let loaded: Promise<FaceNets> | undefined;

/** Loads the networks once per process (≈ 12 MB of weights). */
export function loadFaceNets(): Promise<FaceNets> {
  loaded ??= (async () => {
    await initBackend();
    const dir = faceModelDir();
    const missing = faceModelFiles(dir).filter((f) => !f.found);
    if (missing.length) {
      throw new FaceKitError('MODEL_MISSING', `face model files missing in ${dir}: ${missing.map((m) => path.basename(m.weights)).join(', ')}; reinstall with npm install`);
    }
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
    return {
      detector: faceapi.nets.ssdMobilenetv1,
      landmarks: faceapi.nets.faceLandmark68Net,
      descriptor: faceapi.nets.faceRecognitionNet,
      modelId: descriptorModelId(dir),
    };
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

let fastDetector: Promise<faceapi.TinyFaceDetector> | undefined;

/** The Tiny Face Detector (190 KB), loaded on first use: only live camera frames need it. */
export function loadFastDetector(): Promise<faceapi.TinyFaceDetector> {
  fastDetector ??= (async () => {
    await loadFaceNets();
    await faceapi.nets.tinyFaceDetector.loadFromDisk(faceModelDir());
    return faceapi.nets.tinyFaceDetector;
  })();
  fastDetector.catch(() => (fastDetector = undefined));
  return fastDetector;
}
