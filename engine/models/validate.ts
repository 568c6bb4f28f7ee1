// Runs in Node. Checks a model file's structure before it is installed, so a wrong file fails at
// fetch/import time rather than at the first style transfer.

export interface ValidateOptions {
  /** For VGG19: require the real channel widths (64 … 512), not just a consistent chain. */
  strict?: boolean;
}

export async function validateModelFile(id: string, file: string, opts: ValidateOptions = {}): Promise<void> {
  if (id === 'vgg19') {
    // Loaded lazily: the loader pulls in TensorFlow.js, which `models list` does not need.
    const { inspectVgg19File } = await import('../style/vgg19-weights.ts');
    await inspectVgg19File(file, { strict: opts.strict ?? true });
  }
}
