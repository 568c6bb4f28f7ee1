// Bundles the Electron main process, the sandboxed preload and the engine worker into out/ with
// esbuild. npm packages stay external (loaded from node_modules, native ones included); our
// TypeScript is bundled, so nothing needs tsx at run time.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('build-electron: esbuild is not installed (add it to devDependencies: npm i -D esbuild).');
  process.exit(1);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Electron 45 ships Node 22 and Chromium 140.
const node = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  absWorkingDir: root,
  logLevel: 'warning',
};

await rm(path.join(root, 'out'), { recursive: true, force: true });
const [, , , preload] = await Promise.all([
  esbuild.build({ ...node, entryPoints: ['electron/main/index.ts'], outfile: 'out/main/index.js' }),
  esbuild.build({ ...node, entryPoints: ['host/engine-worker.ts'], outfile: 'out/main/engine-worker.js' }),
  // The row-band workers of a multi-threaded style job (engine/style/parallel/band-pool.ts finds it here).
  esbuild.build({ ...node, entryPoints: ['engine/style/parallel/band-worker.ts'], outfile: 'out/main/style-band-worker.js' }),
  // A sandboxed preload is one CommonJS script that may require 'electron' and nothing else.
  esbuild.build({
    ...node,
    format: 'cjs',
    packages: undefined,
    external: ['electron'],
    target: 'chrome140',
    entryPoints: ['electron/preload/index.ts'],
    outfile: 'out/preload/index.cjs',
    metafile: true,
  }),
]);

const imports = Object.values(preload.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
const extra = imports.filter((name) => name !== 'electron');
if (extra.length) {
  console.error(`build-electron: the preload requires ${extra.join(', ')}; a sandboxed preload can only require 'electron'.`);
  process.exit(1);
}
console.log('build-electron: out/main/index.js, out/main/engine-worker.js, out/main/style-band-worker.js, out/preload/index.cjs');
