// Test and bench helper. SYNTHETIC screen-replay attacks: a real fixture photo as a camera would see it
// shown on a phone or laptop screen (we cannot re-photograph a screen here). Deterministic, nothing
// stored: the screen's RGB sub-pixel grid and its dark gaps, raised blacks and a cool cast, the camera's
// defocus, and the screen's bezel around the picture. A stand-in only: real replays carry moiré, glare
// and perspective this does not model.
import sharp from 'sharp';
import type { RgbImage } from '../../engine/image.ts';

export interface ScreenStyle {
  /** Camera pixels per screen pixel: about 3 gives a visible grid, 1.7 a moiré-prone one. */
  pitch: number;
  /** Bezel width as a fraction of the picture's longer side. */
  bezel: number;
}

/** Two screens: a close laptop (grid visible) and a phone held further off (finer grid, beating into moiré). */
export const SCREEN_STYLES: Readonly<Record<string, ScreenStyle>> = {
  laptop: { pitch: 3, bezel: 0.06 },
  phone: { pitch: 1.7, bezel: 0.12 },
};

/** The photo as shown on a screen and photographed: same size as the input. */
export async function screenReplay(image: RgbImage, style: ScreenStyle): Promise<RgbImage> {
  const { width, height } = image;
  const raw = { raw: { width, height, channels: 3 as const } };
  // The screen's own resolution: the picture is shown with fewer pixels than the photo has.
  const sw = Math.max(8, Math.round(width / style.pitch));
  const sh = Math.max(8, Math.round(height / style.pitch));
  const screen = await sharp(image.data, raw).resize(sw, sh, { fit: 'fill' }).raw().toBuffer();
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(sh - 1, Math.floor(y / style.pitch));
    const rowGap = (y / style.pitch + 1e-9) % 1 > 0.8; // the dark line between pixel rows
    for (let x = 0; x < width; x++) {
      const fx = (x / style.pitch + 1e-9) % 1; // the epsilon keeps 3/3 from flooring to 0.99…
      const sx = Math.min(sw - 1, Math.floor(x / style.pitch));
      const lit = Math.min(2, Math.floor(fx * 3)); // which sub-pixel stripe (R, G, B) the camera pixel falls on
      for (let c = 0; c < 3; c++) {
        const v = screen[(sy * sw + sx) * 3 + c] ?? 0;
        const emitted = (c === lit ? 1 : 0.55) * (rowGap ? 0.6 : 1);
        // Raised blacks and a slight blue cast of an LCD photographed in room light.
        const tint = c === 2 ? 1.06 : c === 0 ? 0.94 : 1;
        out[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(24 + 0.85 * v * emitted * tint)));
      }
    }
  }
  // The camera's slight defocus, then the bezel: the picture shrinks inside a near-black frame.
  const blurred = await sharp(out, raw).blur(0.6).raw().toBuffer();
  const border = Math.round(style.bezel * Math.max(width, height));
  const inner = await sharp(blurred, raw)
    .resize(Math.max(8, width - 2 * border), Math.max(8, height - 2 * border), { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const data = await sharp({ create: { width, height, channels: 3, background: { r: 18, g: 18, b: 20 } } })
    .composite([{ input: inner.data, raw: { width: inner.info.width, height: inner.info.height, channels: 3 }, left: border, top: border }])
    .removeAlpha() // composite works in RGBA
    .raw()
    .toBuffer();
  return { width, height, data };
}
