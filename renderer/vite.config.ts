// Builds the renderer (Svelte 5) into renderer/dist: loaded from disk by Electron and served by
// `facekit serve` in browser mode. Relative base so both work.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1500 },
});
