/**
 * Builds the explorer app (explorer/app → explorer/dist). `npm run dev` serves it with hot
 * reload and forwards /api to a running `cellscape explore` (port from CELLSCAPE_API, default 7070).
 */
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const api = process.env.CELLSCAPE_API ?? 'http://127.0.0.1:7070';

export default defineConfig({
  root: here('./app'),
  base: './',
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
});
