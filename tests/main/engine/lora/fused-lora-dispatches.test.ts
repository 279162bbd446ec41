/**
 * Dispatches of one HCC-Merlin-like bottleneck block with ConvLoRA (r = 2, dropout 0, frozen base)
 * for forward + backward, with and without the fused LoRA path, on WebGPU (lavapipe in CI):
 * conv1 1x1x1, conv2 3x3x3 stride 2 (stays unfused), conv3 1x1x1 and a stride-2 1x1x1 downsample,
 * as torchvision's Bottleneck, without the batch norms (they dispatch the same either way).
 * Counts every runWebGPUProgram call; logs the counts and lavapipe wall times (CPU Vulkan: the
 * times say nothing about a GPU) and asserts the fused block dispatches fewer programs with the
 * same loss and gradients.
 */
import { describe, expect, it } from 'vitest';
import { Conv3d } from '../../../../src/main/engine/layers/conv3d';
import { ConvLora3d } from '../../../../src/main/engine/lora/conv-lora-3d';
import { withLoraFusion } from '../../../../src/main/engine/lora/fused/lora-fusion-switch';
import { tf, type Tensor, type Variable } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';
import { randomise, recordPrograms, relativeError } from './fused-lora-helpers';

const { loaded, unavailable, required } = await loadWebgpuForTests('fused-lora-dispatches.test');

function convLora(conv: Conv3d, seed: number): ConvLora3d {
  const layer = new ConvLora3d(conv, { rank: 2, alpha: 2, dropout: 0, seed });
  conv.weight.trainable = false;
  randomise(layer.loraB.weight, seed + 100);
  return layer;
}

class Block {
  readonly conv1 = convLora(new Conv3d(16, 8, 1, { bias: false, seed: 1 }), 11);
  readonly conv2 = convLora(new Conv3d(8, 8, 3, { stride: 2, padding: 1, bias: false, seed: 2 }), 12);
  readonly conv3 = convLora(new Conv3d(8, 32, 1, { bias: false, seed: 3 }), 13);
  readonly downsample = convLora(new Conv3d(16, 32, 1, { stride: 2, bias: false, seed: 4 }), 14);

  apply(x: Tensor): Tensor {
    const path = this.conv3.apply(tf.relu(this.conv2.apply(tf.relu(this.conv1.apply(x)))));
    const sum = tf.add(tf.reshape(path, [-1]), tf.reshape(this.downsample.apply(x), [-1]));
    return tf.relu(sum);
  }

  factors(): Variable[] {
    return [this.conv1, this.conv2, this.conv3, this.downsample].flatMap((l) => [l.loraA.weight, l.loraB.weight]);
  }

  dispose(): void {
    for (const l of [this.conv1, this.conv2, this.conv3, this.downsample]) l.dispose();
  }
}

/** loss and gradients of one step. */
function step(block: Block, x: Tensor): { loss: Tensor; grads: Tensor[] } {
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(block.apply(x))), block.factors());
  return { loss: value, grads: block.factors().map((v) => grads[v.name]!) };
}

async function timedStep(block: Block, x: Tensor): Promise<number> {
  const start = performance.now();
  const { loss, grads } = step(block, x);
  await loss.data();
  tf.dispose([loss, ...grads]);
  return performance.now() - start;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

describe('dispatches of a LoRA bottleneck block', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)('fused: fewer dispatches, same loss and gradients (webgpu)', { timeout: 80_000 }, async () => {
    await tf.setBackend('webgpu');
    const before = tf.memory().numTensors;
    const block = new Block();
    const x = tf.randomNormal([1, 8, 8, 8, 16], 0, 1, 'float32', 7);
    const fused = recordPrograms(() => step(block, x));
    const unfused = recordPrograms(() => withLoraFusion(false, () => step(block, x)));
    expect(await relativeError(fused.result.loss, unfused.result.loss)).toBeLessThan(1e-5);
    for (const [i, grad] of fused.result.grads.entries()) {
      expect(await relativeError(grad, unfused.result.grads[i]!)).toBeLessThan(1e-5);
    }
    tf.dispose([fused.result.loss, ...fused.result.grads, unfused.result.loss, ...unfused.result.grads]);
    const times = { fused: [] as number[], unfused: [] as number[] };
    for (let i = 0; i < 3; i += 1) {
      times.fused.push(await timedStep(block, x));
      times.unfused.push(await withLoraFusion(false, () => timedStep(block, x)));
    }
    console.log(
      `[bottleneck fwd+bwd, lavapipe] dispatches unfused ${unfused.programs.length}, fused ${fused.programs.length}; ` +
        `median ms unfused ${median(times.unfused).toFixed(1)}, fused ${median(times.fused).toFixed(1)}`,
    );
    console.log(`[fused programs] ${fused.programs.map((p) => p.split('_')[0]).join(' ')}`);
    console.log(`[unfused programs] ${unfused.programs.map((p) => p.split('_')[0]).join(' ')}`);
    expect(fused.programs.length).toBeLessThan(unfused.programs.length);
    x.dispose();
    block.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
