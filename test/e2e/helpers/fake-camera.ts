// Test helper: a video file for Chromium's fake camera (--use-file-for-fake-video-capture), made from
// still photos. Y4M is raw I420 frames behind a one-line header, so it needs no encoder.
import fs from 'node:fs';
import sharp from 'sharp';

export interface FakeCameraOptions {
  /** Photos shown one after another (each fitted into the frame on a grey background), looping. */
  photos: string[];
  secondsPerPhoto: number;
  fps?: number;
  width?: number;
  height?: number;
}

function rgbToI420(rgb: Buffer, width: number, height: number): Buffer {
  const ySize = width * height;
  const cSize = (width / 2) * (height / 2);
  const out = Buffer.alloc(ySize + 2 * cSize);
  for (let i = 0; i < ySize; i++) {
    const r = rgb.readUInt8(3 * i),
      g = rgb.readUInt8(3 * i + 1),
      b = rgb.readUInt8(3 * i + 2);
    out[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width / 2; x++) {
      let r = 0,
        g = 0,
        b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const p = 3 * ((2 * y + dy) * width + 2 * x + dx);
        r += rgb.readUInt8(p);
        g += rgb.readUInt8(p + 1);
        b += rgb.readUInt8(p + 2);
      }
      r /= 4;
      g /= 4;
      b /= 4;
      const c = y * (width / 2) + x;
      out[ySize + c] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
      out[ySize + cSize + c] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
    }
  }
  return out;
}

/** Writes the Y4M file and returns its path. */
export async function writeFakeCamera(file: string, options: FakeCameraOptions): Promise<string> {
  const { width = 640, height = 480, fps = 15 } = options;
  const out = fs.openSync(file, 'w');
  try {
    fs.writeSync(out, `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
    for (const photo of options.photos) {
      const rgb = await sharp(photo)
        .rotate()
        .resize(width, height, { fit: 'contain', background: '#808080' })
        .removeAlpha()
        .raw()
        .toBuffer();
      const frame = rgbToI420(rgb, width, height);
      for (let i = 0; i < Math.round(options.secondsPerPhoto * fps); i++) {
        fs.writeSync(out, 'FRAME\n');
        fs.writeSync(out, frame);
      }
    }
  } finally {
    fs.closeSync(out);
  }
  return file;
}
