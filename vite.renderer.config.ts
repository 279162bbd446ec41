/** The renderer's build, shared by the desktop app (electron.vite.config.ts) and web mode. */
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import type { UserConfig } from 'vite';

const fromRoot = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

export const rendererConfig: UserConfig = {
  root: fromRoot('./src/renderer'),
  base: './',
  plugins: [vue()],
  resolve: {
    alias: { '@shared': fromRoot('./src/shared') },
  },
  build: {
    outDir: fromRoot('./out/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    reportCompressedSize: false,
  },
  worker: { format: 'es' },
};

export default rendererConfig;
