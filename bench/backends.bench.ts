/**
 * Compute backends: ms for one conv3d forward + backward (gradients for input and filter) at a
 * small and a mid CT-like size, and a 512x512 matmul, on each backend that loads here (median of a
 * few runs after one warm-up). A backend that fails its self-test is still timed, and says so.
 */
import { type Measurement } from './bench-utils';
import { tf } from '../src/main/engine/tf';
import type { BackendCandidate, LoadedBackend } from '../src/main/engine/backends/backend-candidate';
import { messageOf } from '../src/main/engine/backends/backend-candidate';
import { defaultCandidates } from '../src/main/engine/backends/select-backend';
import { cpuReference, makeInputs, runSelfTest } from '../src/main/engine/backends/self-test';

interface Case {
  name: string;
  runs: number;
  /** builds the inputs, runs once, and waits for the result on the device */
  step: () => Promise<void>;
}

function conv3dCase(
  name: string,
  x: [number, number, number, number, number],
  outChannels: number,
  runs: number,
): Case {
  const filterShape: [number, number, number, number, number] = [3, 3, 3, x[4], outChannels];
  return {
    name,
    runs,
    async step() {
      const outputs = tf.tidy(() => {
        const input = tf.randomUniform<tf.Rank.R5>(x, -1, 1, 'float32', 1);
        const filter = tf.randomUniform<tf.Rank.R5>(filterShape, -1, 1, 'float32', 2);
        const loss = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
          tf.sum(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same'));
        const { value, grads } = tf.valueAndGrads(loss)([input, filter]);
        return [value, ...grads];
      });
      await Promise.all(outputs.map((t) => t.data()));
      for (const t of outputs) t.dispose();
    },
  };
}

const CASES: Case[] = [
  conv3dCase('conv3d fwd+bwd small (2, 16x32x32, 1->8 ch)', [2, 16, 32, 32, 1], 8, 5),
  conv3dCase('conv3d fwd+bwd mid (4, 32x96x96, 2->4 ch)', [4, 32, 96, 96, 2], 4, 3),
  {
    name: 'matmul 512x512',
    runs: 5,
    async step() {
      const product = tf.tidy(() =>
        tf.matMul(tf.randomUniform([512, 512], -1, 1, 'float32', 3), tf.randomUniform([512, 512], -1, 1, 'float32', 4)),
      );
      await product.data();
      product.dispose();
    },
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function timeCase(item: Case): Promise<number> {
  await item.step(); // warm-up: shader compilation, wasm/XNNPACK setup
  const times: number[] = [];
  for (let i = 0; i < item.runs; i += 1) {
    const started = process.hrtime.bigint();
    await item.step();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

async function benchBackend(
  candidate: BackendCandidate,
  reference: Awaited<ReturnType<typeof cpuReference>>,
): Promise<Measurement[]> {
  let loaded: LoadedBackend;
  try {
    loaded = await candidate.load();
  } catch (error) {
    console.log(`  ${candidate.name}: not available (${messageOf(error).slice(0, 120)})`);
    return [];
  }
  try {
    const selfTest = await runSelfTest(candidate.name, makeInputs(), reference).catch(() => null);
    const note = selfTest?.passed ? '' : ' [fails self-test]';
    const device = loaded.device ? ` on ${loaded.device.description}` : '';
    console.log(`  ${candidate.name}${device}${note}`);
    const measurements: Measurement[] = [];
    for (const item of CASES) {
      await tf.setBackend(candidate.name);
      measurements.push({ name: `${candidate.name}: ${item.name}${note}`, value: await timeCase(item), unit: 'ms' });
    }
    return measurements;
  } finally {
    await tf.setBackend('cpu');
    await loaded.dispose();
  }
}

export async function runBackendsBench(): Promise<Measurement[]> {
  const reference = await cpuReference(makeInputs());
  const measurements: Measurement[] = [];
  for (const candidate of defaultCandidates()) measurements.push(...(await benchBackend(candidate, reference)));
  return measurements;
}
