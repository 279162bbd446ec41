/** What would be faster than the backend in use, and how to get it, from a selection report. */
import type { BackendReport } from './select-backend';
import { TENSORFLOW_INSTALL_HINT } from './tensorflow-candidate';

export function backendAdvice(report: BackendReport): string[] {
  const advice: string[] = [];
  const byName = new Map(report.candidates.map((c) => [c.name, c]));
  const chosen = report.chosen;
  const webgpu = byName.get('webgpu');
  const software = webgpu?.device?.details['software'] === true;
  if (chosen !== 'tensorflow') {
    advice.push(`Fastest: the native TensorFlow backend with CUDA. ${TENSORFLOW_INSTALL_HINT}.`);
  }
  if (chosen !== 'tensorflow' && webgpu && (!webgpu.available || software)) {
    advice.push(
      software
        ? 'WebGPU only found a software (CPU) Vulkan adapter. With a GPU, install its vendor driver with the Vulkan ICD (NVIDIA: the proprietary driver) and libvulkan1; the webgpu backend then runs on it.'
        : 'Next: WebGPU on your GPU (about 40x behind PyTorch, far ahead of the CPU). Install libvulkan1 and the GPU vendor driver with its Vulkan ICD (NVIDIA: the proprietary driver).',
    );
  }
  if (chosen === 'cpu') {
    advice.push(
      'Only the pure-JavaScript CPU backend is in use: fine for tests and tiny models, far too slow to train a real CT model.',
    );
  }
  return advice;
}
