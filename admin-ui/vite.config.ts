import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Served by wagate under /admin; `npm run dev` proxies the API to a local `wagate serve`.
const api = process.env.WAGATE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: {
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: {
      '/graphql/ws': { target: api.replace(/^http/, 'ws'), ws: true },
      '/graphql': api,
      '/api': api,
    },
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    // Node by default; a test of React hooks asks for jsdom in its first line.
    environment: 'node',
    env: { TZ: 'UTC' },
    setupFiles: ['tests/unit/setup.ts'],
  },
});
