// Decoding real photos in the formats users have, and refusing files that are not photos.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImageFile } from '../../../engine/image.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { badImages, photo, tempDir } from '../../helpers/fixtures.ts';

test('JPEG and RGBA PNG decode to 8-bit RGB with a content hash', async () => {
  const jpeg = await decodeImageFile(photo.obama);
  assert.equal(jpeg.data.length, jpeg.width * jpeg.height * 3);
  assert.match(jpeg.sha256, /^[0-9a-f]{64}$/);
  const png = await decodeImageFile(photo.obamaRgba);
  assert.equal(png.format, 'png');
  assert.equal(png.data.length, png.width * png.height * 3);
});

test('EXIF orientation, greyscale, 16-bit and WebP are handled', async () => {
  const dir = tempDir();
  const small = await sharp(photo.obama2).resize(200).png().toBuffer();
  const source = sharp(small);
  const { width, height } = await sharp(small).metadata();
  assert.ok(height > width, 'the fixture is a portrait');
  // Pixels stored turned 90°, with EXIF orientation 6 saying "turn back before showing".
  const rotated = path.join(dir, 'rotated.jpg');
  await sharp(small).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toFile(rotated);
  const upright = await decodeImageFile(rotated);
  assert.deepEqual([upright.width, upright.height], [width, height]);

  const grey = path.join(dir, 'grey.png');
  await source.clone().greyscale().png().toFile(grey);
  assert.equal((await decodeImageFile(grey)).data.length, width * height * 3);

  const deep = path.join(dir, 'deep.png');
  await source.clone().toColourspace('rgb16').png().toFile(deep);
  assert.equal((await sharp(deep).metadata()).depth, 'ushort');
  assert.equal((await decodeImageFile(deep)).data.length, width * height * 3);

  const webp = path.join(dir, 'photo.webp');
  await source.clone().webp().toFile(webp);
  assert.equal((await decodeImageFile(webp)).format, 'webp');
});

test('hostile files are refused with the file name and the reason', async () => {
  for (const bad of badImages(tempDir())) {
    await assert.rejects(decodeImageFile(bad.file), (error: unknown) => {
      assert.ok(isFaceKitError(error, 'BAD_INPUT'), `${bad.name}: ${String(error)}`);
      assert.ok(error.message.startsWith(bad.file), `${bad.name}: message names the file: ${error.message}`);
      assert.match(error.message, bad.reason, bad.name);
      return true;
    });
  }
});
