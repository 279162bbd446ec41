import { beforeAll, describe, expect, it } from 'vitest';
import { Conv3d, type Triple } from '../../../../src/main/engine/layers/conv3d';
import { tf } from '../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Direct loops over PyTorch's definition; x NDHWC, weight [out, in, kd, kh, kw], zero padding. */
function naiveConv3d(
  x: number[][][][][],
  weight: number[][][][][],
  bias: number[] | null,
  stride: Triple,
  padding: Triple,
): number[][][][][] {
  const at = <T>(array: T[] | undefined, i: number): T | undefined => array?.[i];
  const n = x.length;
  const [d, h, w] = [x[0]?.length ?? 0, x[0]?.[0]?.length ?? 0, x[0]?.[0]?.[0]?.length ?? 0];
  const outC = weight.length;
  const inC = weight[0]?.length ?? 0;
  const [kd, kh, kw] = [
    weight[0]?.[0]?.length ?? 0,
    weight[0]?.[0]?.[0]?.length ?? 0,
    weight[0]?.[0]?.[0]?.[0]?.length ?? 0,
  ];
  const size = (input: number, k: number, axis: 0 | 1 | 2): number =>
    Math.floor((input + 2 * padding[axis] - k) / stride[axis]) + 1;
  const [od, oh, ow] = [size(d, kd, 0), size(h, kh, 1), size(w, kw, 2)];
  const out: number[][][][][] = [];
  for (let b = 0; b < n; b++) {
    const vb: number[][][][] = [];
    for (let z = 0; z < od; z++) {
      const vz: number[][][] = [];
      for (let y = 0; y < oh; y++) {
        const vy: number[][] = [];
        for (let xx = 0; xx < ow; xx++) {
          const vx: number[] = [];
          for (let o = 0; o < outC; o++) {
            let sum = bias ? (bias[o] ?? 0) : 0;
            for (let i = 0; i < inC; i++)
              for (let a = 0; a < kd; a++)
                for (let c = 0; c < kh; c++)
                  for (let e = 0; e < kw; e++) {
                    const iz = z * stride[0] + a - padding[0];
                    const iy = y * stride[1] + c - padding[1];
                    const ix = xx * stride[2] + e - padding[2];
                    const value = at(at(at(at(x[b], iz), iy), ix), i) ?? 0;
                    sum += value * (weight[o]?.[i]?.[a]?.[c]?.[e] ?? NaN);
                  }
            vx.push(sum);
          }
          vy.push(vx);
        }
        vz.push(vy);
      }
      vb.push(vz);
    }
    out.push(vb);
  }
  return out;
}

describe('Conv3d', () => {
  const cases: Array<{ name: string; kernel: Triple; stride: Triple; padding: Triple; bias: boolean }> = [
    {
      name: 'stem-like (1,2,2) stride, (1,3,3) padding',
      kernel: [3, 5, 5],
      stride: [1, 2, 2],
      padding: [1, 2, 2],
      bias: false,
    },
    { name: 'stride 2 everywhere, padding 1', kernel: [3, 3, 3], stride: [2, 2, 2], padding: [1, 1, 1], bias: true },
    { name: 'anisotropic kernel, no padding', kernel: [1, 2, 3], stride: [1, 3, 1], padding: [0, 0, 1], bias: true },
  ];
  for (const testCase of cases) {
    it(`matches a naive loop implementation: ${testCase.name}`, async () => {
      await expectNoTensorLeak(() => {
        const conv = new Conv3d(2, 3, testCase.kernel, {
          stride: testCase.stride,
          padding: testCase.padding,
          bias: testCase.bias,
          seed: 11,
        });
        const x = tf.randomNormal([2, 5, 7, 6, 2], 0, 1, 'float32', 5);
        const y = conv.apply(x);
        const expected = naiveConv3d(
          x.arraySync() as number[][][][][],
          conv.weight.arraySync() as number[][][][][],
          conv.bias ? (conv.bias.arraySync() as number[]) : null,
          testCase.stride,
          testCase.padding,
        );
        const expectedTensor = tf.tensor(expected);
        expect(y.shape).toEqual(expectedTensor.shape);
        const maxError = tf.tidy(() => tf.max(tf.abs(tf.sub(y, expectedTensor))).dataSync()[0]);
        expect(maxError).toBeLessThan(1e-5);
        tf.dispose([x, y, expectedTensor]);
        conv.dispose();
      });
    });
  }

  it('stores the weight as [out, in, kd, kh, kw] under PyTorch key names', async () => {
    await expectNoTensorLeak(() => {
      const conv = new Conv3d(3, 4, [3, 7, 7], { stride: [1, 2, 2], padding: [1, 3, 3], bias: false });
      expect(conv.namedParameters().map(([name, v]) => [name, v.shape])).toEqual([['weight', [4, 3, 3, 7, 7]]]);
      conv.dispose();
    });
  });
});
