/**
 * WGSL programs for a BatchNorm with frozen statistics, optionally followed by ReLU, on NDHWC
 * tensors seen as flat [rows x C] (channels last):
 *
 *   s = weight · rsqrt(running_var + eps),  y = x·s + (bias − running_mean·s),  then max(y, 0)
 *
 * - BatchNormForwardProgram: y, one thread per element.
 * - BatchNormInputGradProgram: dx = g·s, where g = dy masked by y > 0 when ReLU follows (the
 *   pre-activation is recomputed from x, so only x is kept for the backward).
 * - batchNormParameterTerm / batchNormParameterFinish: dweight = rsqrt(var + eps)·Σ g·(x − mean)
 *   and dbias = Σ g, as column sums (norm-program-base.ts). The weight and bias each take their own
 *   column sum: tfjs runs each input's gradient in its own tidy, so a pass shared by both could
 *   not outlive the first.
 */
import { FLAT_INDEX, FlatProgram } from '../flat-program';
import { NORM_UNIFORMS, normUniforms, type ColumnTerm, type NormShape, type Uniform } from './norm-program-base';

export type BatchNormParameter = 'weight' | 'bias';

/** s for channel c (reads w, v), as the composite path computes it. */
const SCALE = `
fn scaleOf(c : i32) -> f32 { return w[c] * inverseSqrt(v[c] + uniforms.eps); }
`;
/** The pre-activation x·s + shift (reads x, b, m), as the composite path computes it. */
const PRE_ACTIVATION = `
fn preActivation(i : i32, c : i32, s : f32) -> f32 { return x[i] * s + (b[c] - m[c] * s); }
`;
const ALL = ['dy', 'x', 'w', 'b', 'm', 'v'];
const MASKED = 'select(0.0, dy[i], preActivation(i, c, s) > 0.0)';

/** The inputs the dx program reads: ReLU's mask needs the pre-activation. */
export function gradientInputs(relu: boolean): string[] {
  return relu ? ALL : ['dy', 'w', 'v'];
}

/** One thread per element of the [rows x cols] tensor. */
abstract class ElementwiseProgram extends FlatProgram {
  uniforms = NORM_UNIFORMS;

  constructor(readonly shape: NormShape) {
    super(shape.rows * shape.cols);
  }

  uniformData(): Uniform[] {
    return normUniforms(this.shape);
  }
}

/** y = act(x·s + shift); inputs x, w, b, m, v. */
export class BatchNormForwardProgram extends ElementwiseProgram {
  variableNames = ['x', 'w', 'b', 'm', 'v'];
  shaderKey: string;

  constructor(shape: NormShape) {
    super(shape);
    this.shaderKey = `frozenBatchNorm_forward_${shape.flag ? 'relu' : 'linear'}`;
  }

  getUserCode(): string {
    return `${SCALE}${PRE_ACTIVATION}
fn main(flatIndex : i32) {
  let i = ${FLAT_INDEX};
  if (i >= uniforms.dims.x) { return; }
  let c = i % uniforms.dims.y;
  let y = preActivation(i, c, scaleOf(c));
  result[i] = ${this.shape.flag ? 'max(y, 0.0)' : 'y'};
}`;
  }
}

/** dx = g·s; inputs gradientInputs(relu). */
export class BatchNormInputGradProgram extends ElementwiseProgram {
  variableNames: string[];
  shaderKey: string;

  constructor(shape: NormShape) {
    super(shape);
    this.variableNames = gradientInputs(shape.flag === true);
    this.shaderKey = `frozenBatchNorm_dx_${shape.flag ? 'relu' : 'linear'}`;
  }

  getUserCode(): string {
    const relu = this.shape.flag === true;
    return `${SCALE}${relu ? PRE_ACTIVATION : ''}
fn main(flatIndex : i32) {
  let i = ${FLAT_INDEX};
  if (i >= uniforms.dims.x) { return; }
  let c = i % uniforms.dims.y;
  let s = scaleOf(c);
  result[i] = ${relu ? MASKED : 'dy[i]'} * s;
}`;
  }
}

/** The per-element term of dweight (before the rsqrt) or dbias. */
export function batchNormParameterTerm(relu: boolean, which: BatchNormParameter): ColumnTerm {
  const key = `frozenBatchNorm_${which}_${relu ? 'relu' : 'linear'}`;
  if (relu) {
    return {
      key,
      variableNames: ALL,
      helpers: SCALE + PRE_ACTIVATION,
      perColumn: 'let s = scaleOf(c);',
      term: which === 'weight' ? `${MASKED} * (x[i] - m[c])` : MASKED,
    };
  }
  return which === 'weight'
    ? { key, variableNames: ['dy', 'x', 'm'], helpers: '', perColumn: '', term: 'dy[i] * (x[i] - m[c])' }
    : { key, variableNames: ['dy'], helpers: '', perColumn: '', term: 'dy[i]' };
}

/** How the column total becomes the gradient: dweight is scaled by rsqrt(var + eps). */
export function batchNormParameterFinish(which: BatchNormParameter) {
  return which === 'weight'
    ? { key: 'frozenBatchNorm_weight', variableNames: ['v'], value: 'sum * inverseSqrt(v[c] + uniforms.eps)' }
    : { key: 'frozenBatchNorm_bias', variableNames: [], value: 'sum' };
}
