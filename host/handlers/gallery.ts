// Runs in an engine worker thread. The gallery of stylised results: list, images, delete.
import fs from 'node:fs';
import path from 'node:path';
import { FaceKitError } from '../../api/errors.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { toGalleryItem } from './convert.ts';

/** Where the app writes results and keeps the inputs they were made from. */
export function galleryDir(dataDir: string): string {
  return path.join(dataDir, 'gallery');
}

/** Is `file` one the app wrote itself (so deleting the item may delete the file)? */
function isOurs(file: string, dataDir: string): boolean {
  const relative = path.relative(galleryDir(dataDir), path.resolve(file));
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

export function galleryHandlers(ctx: HandlerContext): Handlers<'gallery.list' | 'gallery.thumbnail' | 'gallery.image' | 'gallery.remove'> {
  const { gallery } = ctx.store;
  return {
    'gallery.list': () => gallery.list().map(toGalleryItem),
    'gallery.thumbnail'({ id }) {
      gallery.get(id);
      const png = gallery.thumbnail(id);
      if (!png) throw new FaceKitError('NOT_FOUND', `gallery item #${id} has no thumbnail`);
      return new Uint8Array(png);
    },
    'gallery.image'({ id }) {
      const item = gallery.get(id);
      if (!fs.existsSync(item.outputPath)) throw new FaceKitError('NOT_FOUND', 'the image file was moved or deleted', item.outputPath);
      return new Uint8Array(fs.readFileSync(item.outputPath));
    },
    'gallery.remove'({ id }) {
      const item = gallery.get(id);
      gallery.remove(id);
      // Results the app made are deleted with their entry; a file the CLI wrote elsewhere is the user's.
      if (isOurs(item.outputPath, ctx.dataDir)) fs.rmSync(item.outputPath, { force: true });
      ctx.emit('data.changed', { what: 'gallery' });
      return { removed: true };
    },
  };
}
