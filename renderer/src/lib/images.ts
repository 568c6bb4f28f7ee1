// Runs in the renderer. Moving images between files, canvases and the api.

/** An image as the api takes it: the file's bytes and a name for messages. */
export interface ImageArg {
  bytes: Uint8Array<ArrayBuffer>;
  name: string;
}

/** An image argument for the api from a picked or dropped file. */
export async function imageFromFile(file: File): Promise<ImageArg> {
  return { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name };
}

/** An object URL showing image bytes (revoke it when done). */
export function bytesToUrl(bytes: Uint8Array, type = 'image/jpeg'): string {
  return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
}

/** Offers bytes or text to the user as a download. */
export function download(data: Uint8Array | string, fileName: string, type: string): void {
  const blob = new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: fileName });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
