/**
 * tfjs-backend-wasm (XNNPACK kernels compiled to WebAssembly). Under Node its .wasm files are read
 * from disk; setWasmPaths gets the folder of the installed package so bundling or a changed working
 * directory cannot break the lookup. SIMD is used when the runtime validates it; tfjs disables
 * wasm threads under Node (tensorflow/tfjs#3830), so it runs single-threaded here.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { tf } from '../tf';
import type * as WasmBackend from '@tensorflow/tfjs-backend-wasm'; // types only: erased, loads nothing
import { NOTHING_TO_DISPOSE, messageOf, type BackendCandidate } from './backend-candidate';

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** The folder holding the package's .wasm files, with a trailing separator (setWasmPaths wants a prefix). */
export function wasmFilesFolder(): string {
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return `${path.dirname(entry)}${path.sep}`;
}

export function wasmCandidate(): BackendCandidate {
  return {
    name: 'wasm',
    async load() {
      let wasm: typeof WasmBackend;
      try {
        wasm = await import('@tensorflow/tfjs-backend-wasm');
      } catch (error) {
        throw new Error(`@tensorflow/tfjs-backend-wasm could not be loaded (${messageOf(error)}); run npm ci`);
      }
      const folder = wasmFilesFolder();
      const missing = WASM_FILES.filter((file) => !fs.existsSync(path.join(folder, file)));
      if (missing.length > 0) {
        throw new Error(`the wasm backend's files are missing from ${folder}: ${missing.join(', ')}; run npm ci`);
      }
      // Only before the backend is first initialised: afterwards the module is already compiled.
      if (tf.findBackend('wasm') === null) wasm.setWasmPaths(folder);
      if (!(await tf.setBackend('wasm'))) {
        throw new Error(`the wasm backend failed to initialise (its .wasm files are read from ${folder})`);
      }
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      return {
        device: {
          description: `WebAssembly on the CPU (${simd === true ? 'SIMD' : 'no SIMD'}, ${threads === true ? `${wasm.getThreadsCount()} threads` : 'one thread'})`,
          details: { simd: simd === true, threads: threads === true, threadsCount: wasm.getThreadsCount(), folder },
        },
        dispose: NOTHING_TO_DISPOSE, // removing it would drop its registration for good (the module is cached)
      };
    },
  };
}
