/** Children named 0, 1, 2, … applied in order (PyTorch's nn.Sequential / ModuleList keys). */
import { Module, type Layer } from '../module';
import { tf, type Tensor } from '../tf';

export class Sequence extends Module {
  private count = 0;

  add(layer: Layer): this {
    this.registerModule(String(this.count), layer);
    this.count += 1;
    return this;
  }

  get length(): number {
    return this.count;
  }

  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = x;
      for (let i = 0; i < this.count; i += 1) y = this.layer(String(i)).apply(y);
      return y;
    });
  }

  /** The layer at `index` as it is now (after any in-place LoRA wrapping). */
  at(index: number): Layer {
    return this.layer(String(index));
  }
}
