// Runs in the engine process. face-api's own pipeline, untouched (its detector at its defaults, its
// landmarks, its aligned crop): the reference the accuracy bench holds FaceKit's pipeline against.
// Uses face-api's global networks, which FaceKit's own models never touch.
import { tf } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import type { RgbImage } from '../image.ts';
import type { Box } from './geometry.ts';
import { faceapi, faceModelDir, requireFaceModelFiles } from './models.ts';

export interface StockFace {
  box: Box;
  embedding: Float32Array;
}

export interface StockPipeline {
  describeAll(image: RgbImage): Promise<StockFace[]>;
  dispose(): void;
}

export async function loadStockPipeline(): Promise<StockPipeline> {
  await initBackend();
  const dir = faceModelDir();
  requireFaceModelFiles(dir);
  const { ssdMobilenetv1, faceLandmark68Net, faceRecognitionNet } = faceapi.nets;
  await Promise.all([ssdMobilenetv1.loadFromDisk(dir), faceLandmark68Net.loadFromDisk(dir), faceRecognitionNet.loadFromDisk(dir)]);
  return {
    async describeAll(image) {
      const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
      try {
        const found = await faceapi
          .detectAllFaces(input as unknown as faceapi.TNetInput, new faceapi.SsdMobilenetv1Options())
          .withFaceLandmarks()
          .withFaceDescriptors();
        return found.map((f) => {
          const { x, y, width, height } = f.detection.box;
          return { box: { x, y, width, height }, embedding: f.descriptor };
        });
      } finally {
        input.dispose();
      }
    },
    dispose() {
      ssdMobilenetv1.dispose();
      faceLandmark68Net.dispose();
      faceRecognitionNet.dispose();
    },
  };
}
