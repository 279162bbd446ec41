/**
 * The GPU bench as a stand-alone program (what is bundled for the device machine, which has no
 * npm): `node gpu-bench.mjs [--backends webgpu,wasm] [--sizes tiny,mid,merlin] [--out DIR]
 * [--python python3] [--torch-script bench/gpu/torch_step.py] [--torch-json FILE] [--no-torch]
 * [--deadline-s N] [--max-step-s N] [--torch-timeout-s N] [--gradient-checkpointing]
 * [--mixed-precision] [--print-torch-spec]`. In the repository: `npx tsx bench/gpu/main.ts ...`.
 */
import { parseArgs } from 'node:util';
import { print } from '../bench-utils';
import { runGpuBench, type GpuBenchOptions } from './gpu.bench';
import { SIZES } from './sizes';
import { torchSpec } from './torch-reference';

const { values } = parseArgs({
  options: {
    backends: { type: 'string' },
    sizes: { type: 'string' },
    out: { type: 'string' },
    python: { type: 'string' },
    'torch-script': { type: 'string' },
    'torch-json': { type: 'string' },
    'no-torch': { type: 'boolean' },
    'deadline-s': { type: 'string' },
    'max-step-s': { type: 'string' },
    'torch-timeout-s': { type: 'string' },
    'print-torch-spec': { type: 'boolean' },
    'gradient-checkpointing': { type: 'boolean' },
    'mixed-precision': { type: 'boolean' },
  },
});

const list = (value: string | undefined): string[] | undefined => value?.split(',').map((s) => s.trim());
const backends = list(values.backends);
const sizes = list(values.sizes);
const options: GpuBenchOptions = {
  ...(backends ? { backends } : {}),
  ...(sizes ? { sizes } : {}),
  ...(values.out ? { outDir: values.out } : {}),
  ...(values.python ? { python: values.python } : {}),
  ...(values['torch-script'] ? { torchScript: values['torch-script'] } : {}),
  ...(values['torch-json'] ? { torchJson: values['torch-json'] } : {}),
  ...(values['no-torch'] ? { noTorch: true } : {}),
  ...(values['deadline-s'] ? { deadlineSeconds: Number(values['deadline-s']) } : {}),
  ...(values['max-step-s'] ? { maxStepSeconds: Number(values['max-step-s']) } : {}),
  ...(values['torch-timeout-s'] ? { torchTimeoutSeconds: Number(values['torch-timeout-s']) } : {}),
  ...(values['gradient-checkpointing'] ? { gradientCheckpointing: true } : {}),
  ...(values['mixed-precision'] ? { mixedPrecision: true } : {}),
};

if (values['print-torch-spec']) {
  // torch_step.py's input, so it can run on its own first (bench/gpu/device-run.sh)
  const chosen = SIZES.filter((s) => sizes === undefined || sizes.includes(s.key));
  console.log(JSON.stringify(torchSpec(chosen)));
  process.exit(0);
}

try {
  const measurements = await runGpuBench(options);
  print('GPU training step: engine vs PyTorch', measurements);
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
