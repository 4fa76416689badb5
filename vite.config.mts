import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    // Inline nothing: the CSP forbids inline script and style.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
