import { tf, type Tensor } from '../tf';

/**
 * PyTorch's default initialisation for Linear and Conv layers: kaiming_uniform_(a=sqrt(5)) for
 * the weight, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
 */
export function torchDefaultUniform(shape: number[], fanIn: number, seed: number): Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.randomUniform(shape, -bound, bound, 'float32', seed);
}

/** A stream of seeds for the layers of one model, so the same model seed gives the same weights. */
export class SeedSequence {
  constructor(private next: number) {}

  /** Where the stream stands: `new SeedSequence(position)` continues it exactly. */
  get position(): number {
    return this.next;
  }

  take(): number {
    this.next = (Math.imul(this.next ^ 0x9e3779b9, 0x85ebca6b) + 0x7f4a7c15) >>> 0;
    return this.next;
  }
}
