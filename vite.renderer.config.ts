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
  optimizeDeps: {
    // cornerstone3D (stack-notes): its DICOM loader's codecs break pre-bundling; dicom-parser is CommonJS.
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: ['dicom-parser'],
  },
  build: {
    outDir: fromRoot('./out/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    reportCompressedSize: false,
    // The viewer is a lazily loaded route of its own; cornerstone3D and vtk.js are large.
    chunkSizeWarningLimit: 4000,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // cornerstone's core and tools in ONE chunk: split apart, a production build initialises
            // them in the wrong order (stack-notes). The NIfTI loader imports core, so it joins them.
            { name: 'cornerstone', test: /node_modules[\\/]@cornerstonejs[\\/](core|tools|nifti-volume-loader)[\\/]/ },
          ],
        },
      },
    },
  },
  worker: { format: 'es' },
};

export default rendererConfig;
