/**
 * A gradient computation that throws, in its forward or its backward, leaves nothing behind:
 * tfjs keeps the tensors saved for the backward on its tape until a successful end, so without
 * releasingTapeOnFailure every failed training step leaked its activations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tf, type Tensor, type Variable } from '../../../../src/main/engine/tf';
import { releaseFailedTape, releasingTapeOnFailure } from '../../../../src/main/engine/train/release-tape';

const live: Variable[] = [];
afterEach(() => {
  for (const variable of live.splice(0)) variable.dispose();
});

function weight(): Variable {
  const created = tf.tidy(() =>
    tf.variable(
      tf.tensor([
        [0.5, -1],
        [2, 0.25],
      ]),
    ),
  );
  live.push(created);
  return created;
}

/** A loss that saves activations for its backward (matMul, relu, square), then fails in its forward. */
function failingForward(w: Variable): () => tf.Scalar {
  return () => {
    const h = tf.relu(tf.matMul(w, w));
    tf.square(h);
    throw new Error('out of memory (simulated)');
  };
}

/** A loss whose backward fails after the forward saved its activations. */
function failingBackward(w: Variable): () => tf.Scalar {
  const explode = tf.customGrad((...inputs: Array<Tensor | tf.GradSaveFunc>) => ({
    value: tf.mul(inputs[0] as Tensor, 1),
    gradFunc: (): Tensor => {
      throw new Error('dispatch too large (simulated)');
    },
  }));
  return () => tf.sum<tf.Scalar>(explode(tf.relu(tf.matMul(w, w))));
}

describe('releasingTapeOnFailure', () => {
  it.each([
    ['forward', failingForward],
    ['backward', failingBackward],
  ])('frees the tape of a gradient computation that fails in its %s', (_, makeLoss) => {
    const w = weight();
    const before = tf.memory().numTensors;
    expect(() => releasingTapeOnFailure(() => tf.variableGrads(makeLoss(w), [w]))).toThrow(/simulated/);
    expect(tf.memory().numTensors).toBe(before);
    // and the next gradient computation works
    const { value, grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(tf.square(w)), [w]);
    expect(value.dataSync()[0]).toBeCloseTo(0.25 + 1 + 4 + 0.0625, 5);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is needed: tfjs alone leaves the saved tensors of a failed forward alive', () => {
    const w = weight();
    const before = tf.memory().numTensors;
    expect(() => tf.variableGrads(failingForward(w), [w])).toThrow(/simulated/);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    releaseFailedTape();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves an enclosing gradient computation its tape', () => {
    const w = weight();
    const { value, grads } = tf.variableGrads(() => {
      const y = tf.sum<tf.Scalar>(tf.square(w));
      const inner = (x: Tensor): Tensor => {
        tf.square(x);
        throw new Error('inner failure (simulated)');
      };
      expect(() => releasingTapeOnFailure(() => tf.grad(inner)(w))).toThrow(/simulated/);
      return y;
    }, [w]);
    // the outer tape survived the inner failure: d/dw Σ w² = 2w
    expect(Array.from(grads[w.name]!.dataSync())).toEqual([1, -2, 4, 0.5]);
    tf.dispose([value, ...Object.values(grads)]);
  });
});
