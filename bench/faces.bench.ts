// Face pipeline speed per stage at two photo sizes, against face-api's own one-call pipeline measured
// in the same run (same networks, same backend) as the baseline.
import sharp from 'sharp';
import { initBackend, describeBackend } from '../engine/runtime/backend.ts';
import { decodeImageBuffer } from '../engine/image.ts';
import { analyzeFaces } from '../engine/faces/pipeline.ts';
import { loadStockPipeline } from '../engine/faces/stock-pipeline.ts';
import { createModelRegistry } from '../engine/models/loaded-models.ts';
import { photo } from '../test/helpers/fixtures.ts';
import { median, medianMs, printTable } from './table.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

export async function benchFaces(): Promise<void> {
  const backend = await initBackend();
  const models = createModelRegistry();
  // The baseline runs face-api's own pipeline, which uses its global nets: the same weight files, loaded there too.
  const stockPipeline = await loadStockPipeline();
  const stockFaceApi = async (bytes: Buffer) => (await stockPipeline.describeAll(await decodeImageBuffer(bytes, 'stock'))).length;
  const rows: (string | number)[][] = [];
  for (const width of [640, 2000]) {
    const bytes = await sharp(photo.obamaAndBiden).resize({ width }).jpeg({ quality: 90 }).toBuffer();
    const decode = await medianMs(RUNS, () => decodeImageBuffer(bytes, 'bench'));
    const image = await decodeImageBuffer(bytes, 'bench');
    await analyzeFaces(models, image); // warm-up: first calls compile kernels
    const stages = { detect: [] as number[], landmarks: [] as number[], embed: [] as number[] };
    let faces = 0;
    const total = await medianMs(RUNS, async () => {
      const result = await analyzeFaces(models, image);
      faces = result.faces.length;
      for (const key of ['detect', 'landmarks', 'embed'] as const) stages[key].push(result.timings[key]);
    });
    await stockFaceApi(bytes);
    const stock = await medianMs(RUNS, () => stockFaceApi(bytes));
    rows.push([
      `${image.width}×${image.height}`,
      faces,
      decode,
      median(stages.detect, 'detect timing'),
      median(stages.landmarks, 'landmarks timing'),
      median(stages.embed, 'embed timing'),
      decode + total,
      stock,
      (decode + total) / stock,
    ]);
  }
  printTable(
    `Face pipeline, ms per photo (median of ${RUNS}; backend ${describeBackend(backend)}). Baseline: face-api detectAllFaces().withFaceLandmarks().withFaceDescriptors() on the same decoded photo`,
    ['photo', 'faces', 'decode', 'detect', 'landmarks', 'embed', 'FaceKit total', 'face-api stock', 'ratio'],
    rows,
  );
  models.unloadAll();
  stockPipeline.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFaces();
