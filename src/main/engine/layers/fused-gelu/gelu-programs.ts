/**
 * WGSL programs for the exact GELU, y = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), and its gradient
 * dx = dy·(Φ(x) + x·φ(x)) with φ the standard normal density. erf is tfjs's own approximation
 * (Abramowitz and Stegun 7.1.26, tfjs-core's ERF_* constants, max error 1.5e-7), so the fused op
 * and the tfjs-op path compute the same function. One thread per element; grids over 65,535
 * workgroups are folded.
 */
import { FLAT_INDEX, FlatProgram } from '../flat-program';
import { tf } from '../../tf';

function erfHelper(): string {
  const u = tf.backend_util;
  return `
fn erfApprox(a : f32) -> f32 {
  let t = 1.0 / (1.0 + ${u.ERF_P} * abs(a));
  let poly = ((((${u.ERF_A5} * t + ${u.ERF_A4}) * t + ${u.ERF_A3}) * t + ${u.ERF_A2}) * t + ${u.ERF_A1}) * t;
  return sign(a) * (1.0 - poly * exp(-a * a));
}
fn cdf(x : f32) -> f32 { return 0.5 * (1.0 + erfApprox(x * ${Math.SQRT1_2})); }
`;
}

abstract class GeluProgram extends FlatProgram {
  uniforms = 'count : i32,';

  constructor(readonly elements: number) {
    super(elements);
  }

  uniformData(): Array<{ type: 'int32'; data: number[] }> {
    return [{ type: 'int32', data: [this.elements] }];
  }

  protected body(value: string): string {
    return `${erfHelper()}
fn main(flatIndex : i32) {
  let i = ${FLAT_INDEX};
  if (i >= uniforms.count) { return; }
  let v = x[i];
  result[i] = ${value};
}`;
  }
}

/** y = x·Φ(x); input x. */
export class GeluForwardProgram extends GeluProgram {
  variableNames = ['x'];
  shaderKey = 'gelu_forward';

  getUserCode(): string {
    return this.body('v * cdf(v)');
  }
}

/** dx = dy·(Φ(x) + x·φ(x)); inputs dy, x. */
export class GeluGradProgram extends GeluProgram {
  variableNames = ['dy', 'x'];
  shaderKey = 'gelu_grad';

  getUserCode(): string {
    // 1/√(2π) = 0.3989422804014327
    return this.body('dy[i] * (cdf(v) + v * 0.3989422804014327 * exp(-0.5 * v * v))');
  }
}
