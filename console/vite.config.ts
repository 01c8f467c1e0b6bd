import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the API at /console (src/api/console.ts); `npm run console:dev` serves
// it from Vite with the API calls proxied to a running `npm start` on port 3000.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:3000',
      '/console/settings.json': 'http://127.0.0.1:3000',
    },
  },
});
