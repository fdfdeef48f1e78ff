// Builds the portal's web UI into dist/ (run by scripts/build.mjs at `npm ci`); the portal serves it
// at `/`. `npm run dev -w @cloudsiem/web` serves it with hot reload, the API proxied to a portal.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const portal = process.env.CLOUDSIEM_PORTAL_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: {
    // @cloudsiem/protocol's record schema checks IP addresses with node:net; the browser gets a
    // small equivalent instead of Vite's empty stub.
    alias: { 'node:net': fileURLToPath(new URL('./src/shims/node-net.ts', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // Hashed file names under assets/: the portal serves them with a year-long immutable cache.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: { '/api': { target: portal, changeOrigin: false }, '/healthz': portal },
  },
});
