/**
 * The native TensorFlow backend (@tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node). Optional:
 * their install downloads libtensorflow, which fails without internet, so they are detected at run
 * time. Loading one registers the `tensorflow` backend. tfjs-node-gpu 4.22 is built on
 * libtensorflow 2.9.1 (CUDA 11.2, cuDNN 8.1) and otherwise grabs all GPU memory, hence
 * TF_FORCE_GPU_ALLOW_GROWTH before it loads.
 */
import { tf } from '../tf';
import { NOTHING_TO_DISPOSE, messageOf, type BackendCandidate } from './backend-candidate';

export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export const TENSORFLOW_INSTALL_HINT =
  'npm install @tensorflow/tfjs-node-gpu (on a machine that reaches the internet: its install downloads libtensorflow; ' +
  'the GPU build needs CUDA 11.2 and cuDNN 8.1) or @tensorflow/tfjs-node for the native CPU build';

export type Importer = (specifier: string) => Promise<unknown>;

/** A plain dynamic import; a parameter so tests can stand in for an installed package. */
const importPackage: Importer = (specifier) => import(/* @vite-ignore */ specifier) as Promise<unknown>;

export function tensorflowCandidate(importer: Importer = importPackage): BackendCandidate {
  return {
    name: 'tensorflow',
    async load() {
      process.env['TF_FORCE_GPU_ALLOW_GROWTH'] ??= 'true';
      const failures: string[] = [];
      for (const specifier of TENSORFLOW_PACKAGES) {
        try {
          await importer(specifier);
        } catch (error) {
          failures.push(
            isNotInstalled(error)
              ? `${specifier} is not installed`
              : `${specifier} failed to load: ${messageOf(error)}`,
          );
          continue;
        }
        if (tf.findBackendFactory('tensorflow') === null) {
          failures.push(`${specifier} loaded but registered no tensorflow backend`);
          continue;
        }
        if (!(await tf.setBackend('tensorflow'))) {
          failures.push(`${specifier} loaded but its backend failed to initialise (libtensorflow missing or broken?)`);
          continue;
        }
        const gpu = specifier.endsWith('-gpu');
        return {
          device: {
            description: gpu
              ? `${specifier} (CUDA when CUDA 11.2 + cuDNN 8.1 are found; otherwise it silently runs on the CPU)`
              : `${specifier} (native CPU)`,
            details: { package: specifier, gpuBuild: gpu, allowGrowth: process.env['TF_FORCE_GPU_ALLOW_GROWTH'] ?? '' },
          },
          dispose: NOTHING_TO_DISPOSE, // a native addon cannot be unloaded
        };
      }
      throw new Error(`${failures.join('; ')}. To get it: ${TENSORFLOW_INSTALL_HINT}`);
    },
  };
}

function isNotInstalled(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  return /Cannot find (package|module)|Failed to (load|resolve) (url|import)/i.test(messageOf(error));
}
