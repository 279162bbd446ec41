/**
 * Merlin's module tree: names and shapes from the config match a built model key for key, the
 * released sizes give the published parameter counts without allocating anything, and the pieces
 * Merlin adds to the shared I3ResNet and BERT layers behave as the reference does (the input
 * permutation, RoBERTa position ids, the sliding window and the global first token).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { longformerPositionIds } from '../../../../../src/main/engine/models/merlin/longformer-embeddings';
import { Merlin } from '../../../../../src/main/engine/models/merlin/merlin';
import {
  MERLIN_FULL,
  MERLIN_TINY,
  MerlinConfigSchema,
  type MerlinConfigInput,
} from '../../../../../src/main/engine/models/merlin/merlin-config';
import {
  countParameters,
  merlinBottleneckConvs,
  merlinTensorShapes,
} from '../../../../../src/main/engine/models/merlin/merlin-parameter-shapes';
import {
  canonicalVolumeToMerlinNdhwc,
  merlinVolumeToNdhwc,
} from '../../../../../src/main/engine/models/merlin/merlin-volume-layout';
import { tf } from '../../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const byName = (a: [string, number[]], b: [string, number[]]): number => a[0].localeCompare(b[0]);

describe('Merlin module tree', () => {
  it('lists, from the config alone, exactly the parameters and buffers a built model has', () => {
    const model = new Merlin(MERLIN_TINY);
    try {
      const fromConfig = merlinTensorShapes(model.config);
      const params = model.namedParameters().map(([name, v]): [string, number[]] => [name, [...v.shape]]);
      const buffers = model.namedBuffers().map(([name, v]): [string, number[]] => [name, [...v.shape]]);
      const listed = (buffer: boolean): Array<[string, number[]]> =>
        fromConfig.filter((e) => e.buffer === buffer).map((e): [string, number[]] => [e.name, e.shape]);
      expect(listed(false).sort(byName)).toEqual(params.sort(byName));
      expect(listed(true).sort(byName)).toEqual(buffers.sort(byName));
      expect(model.parameterCount()).toBe(countParameters(fromConfig));
    } finally {
      model.dispose();
    }
  });

  it("uses Merlin's checkpoint names", () => {
    const model = new Merlin(MERLIN_TINY);
    try {
      const names = new Set(model.stateDict().keys());
      for (const key of [
        'encode_image.i3_resnet.conv1.weight',
        'encode_image.i3_resnet.bn1.running_var',
        'encode_image.i3_resnet.layer1.0.downsample.0.weight',
        'encode_image.i3_resnet.layer4.0.downsample.1.num_batches_tracked',
        'encode_image.i3_resnet.layer3.1.conv2.weight',
        'encode_image.i3_resnet.contrastive_head.bias',
        'encode_image.i3_resnet.classifier.weight',
        'encode_text.text_encoder.embeddings.word_embeddings.weight',
        'encode_text.text_encoder.embeddings.position_embeddings.weight',
        'encode_text.text_encoder.embeddings.token_type_embeddings.weight',
        'encode_text.text_encoder.embeddings.LayerNorm.weight',
        'encode_text.text_encoder.encoder.layer.1.attention.self.query.weight',
        'encode_text.text_encoder.encoder.layer.1.attention.self.key_global.bias',
        'encode_text.text_encoder.encoder.layer.0.attention.self.value_global.weight',
        'encode_text.text_encoder.encoder.layer.0.attention.output.dense.weight',
        'encode_text.text_encoder.encoder.layer.0.attention.output.LayerNorm.bias',
        'encode_text.text_encoder.encoder.layer.0.intermediate.dense.weight',
        'encode_text.text_encoder.encoder.layer.0.output.dense.weight',
        'encode_text.text_encoder.encoder.layer.0.output.LayerNorm.weight',
        'encode_text.text_encoder.pooler.dense.weight',
        'encode_text.linear_layer.weight',
        'logit_scale',
      ])
        expect(names.has(key), key).toBe(true);
      expect(model.logit_scale.shape).toEqual([]);
    } finally {
      model.dispose();
    }
  });

  /**
   * The released checkpoint's sizes: the image encoder has 121,882,204 parameters including the
   * 2048->1692 classifier and the 2048->512 contrastive_head (BatchNorm running statistics are
   * buffers, not counted); Clinical-Longformer 148,659,456 including its pooler (which Merlin
   * saves but never uses); linear_layer 393,728; logit_scale 1: 270,935,389 in all (~271M).
   */
  it('gives the released model its published sizes without allocating it', () => {
    const config = MerlinConfigSchema.parse(MERLIN_FULL);
    const shapes = merlinTensorShapes(config);
    expect(countParameters(shapes, 'encode_image.i3_resnet.')).toBe(121_882_204);
    expect(countParameters(shapes, 'encode_image.i3_resnet.classifier.')).toBe(2048 * 1692 + 1692);
    expect(countParameters(shapes, 'encode_image.i3_resnet.contrastive_head.')).toBe(2048 * 512 + 512);
    expect(countParameters(shapes, 'encode_text.text_encoder.')).toBe(148_659_456);
    expect(countParameters(shapes, 'encode_text.text_encoder.pooler.')).toBe(768 * 768 + 768);
    expect(countParameters(shapes, 'encode_text.text_encoder.embeddings.')).toBe((50265 + 4098 + 1) * 768 + 2 * 768);
    expect(countParameters(shapes, 'encode_text.linear_layer.')).toBe(768 * 512 + 512);
    expect(countParameters(shapes)).toBe(270_935_389);
    expect(merlinBottleneckConvs(config)).toHaveLength(154);
    expect(shapes.filter((e) => e.name.endsWith('.num_batches_tracked'))).toHaveLength(155); // 154 + the stem's bn1
  });

  it('refuses configs the Longformer cannot run', () => {
    const text = MERLIN_TINY.text;
    expect(() => MerlinConfigSchema.parse({ ...MERLIN_TINY, text: { ...text, attentionWindow: 3 } })).toThrow(/even/);
    expect(() => MerlinConfigSchema.parse({ ...MERLIN_TINY, text: { ...text, heads: 3 } })).toThrow(/divisible/);
    expect(() => MerlinConfigSchema.parse({ ...MERLIN_TINY, text: { ...text, maxLength: 23 } })).toThrow(
      /maxPositions/,
    );
  });
});

describe("Merlin's input and text-encoder pieces", () => {
  it('permutes a (B, 1, X, Y, Z) volume to (B, Z, X, Y) and repeats its channel 3 times', async () => {
    const [b, x, y, z] = [2, 3, 4, 5];
    const values = Array.from({ length: b * x * y * z }, (_, i) => i);
    const volume = tf.tensor(values, [b, 1, x, y, z]);
    const out = await expectNoTensorLeak(() => {
      const t = merlinVolumeToNdhwc(volume);
      const result = { shape: t.shape, data: Array.from(t.dataSync()) };
      t.dispose();
      return result;
    });
    volume.dispose();
    expect(out.shape).toEqual([b, z, x, y, 3]);
    const at = (bi: number, zi: number, xi: number, yi: number, c: number): number =>
      out.data[(((bi * z + zi) * x + xi) * y + yi) * 3 + c] ?? NaN;
    for (let bi = 0; bi < b; bi += 1)
      for (let xi = 0; xi < x; xi += 1)
        for (let yi = 0; yi < y; yi += 1)
          for (let zi = 0; zi < z; zi += 1)
            for (let c = 0; c < 3; c += 1) expect(at(bi, zi, xi, yi, c)).toBe(((bi * x + xi) * y + yi) * z + zi);
    const rgb = tf.zeros([1, 3, 4, 4, 4]);
    expect(() => merlinVolumeToNdhwc(rgb)).toThrow(/\[B, 1, X, Y, Z\]/);
    rgb.dispose();
  });

  it("maps the workbench's [B, Z, Y, X, 1] volumes to the same input as Merlin's (B, 1, X, Y, Z)", async () => {
    const [b, x, y, z] = [2, 3, 4, 5];
    const merlinLayout = tf.randomUniform([b, 1, x, y, z], 0, 1, 'float32', 4);
    const same = await expectNoTensorLeak(() =>
      tf.tidy(() => {
        const canonical = tf.expandDims(tf.transpose(tf.squeeze(merlinLayout, [1]), [0, 3, 2, 1]), -1); // [B, Z, Y, X, 1]
        const a = merlinVolumeToNdhwc(merlinLayout);
        const c = canonicalVolumeToMerlinNdhwc(canonical);
        return a.shape.join() === c.shape.join() && tf.equal(a, c).all().dataSync()[0] === 1;
      }),
    );
    merlinLayout.dispose();
    expect(same).toBe(true);
  });

  it('numbers positions from padTokenId + 1 and gives padding padTokenId, as RoBERTa does', () => {
    const ids = tf.tensor2d(
      [
        [0, 7, 9, 2, 1, 1],
        [0, 5, 2, 1, 1, 1],
      ],
      undefined,
      'int32',
    );
    const positions = longformerPositionIds(ids, 1);
    expect(positions.arraySync()).toEqual([
      [2, 3, 4, 5, 1, 1],
      [2, 3, 4, 1, 1, 1],
    ]);
    tf.dispose([ids, positions]);
  });

  /**
   * With a window of 4 (2 tokens on either side) and 2 layers, the first token's output depends on
   * tokens 0..4 only: a change at token 8 cannot reach it, unless the first token attends globally.
   */
  it('limits attention to the sliding window, and the global first token sees every token', async () => {
    const embedBoth = (globalFirstToken: boolean): number[][] => {
      const config: MerlinConfigInput = { ...MERLIN_TINY, text: { ...MERLIN_TINY.text, globalFirstToken } };
      const model = new Merlin(config).eval();
      const ids = tf.tensor2d(
        [
          [0, 11, 12, 13, 14, 15, 16, 17, 18, 19, 2],
          [0, 11, 12, 13, 14, 15, 16, 17, 42, 19, 2],
        ],
        undefined,
        'int32',
      );
      const mask = tf.onesLike(ids);
      try {
        return tf.tidy(() => model.encodeText(ids, mask).arraySync() as number[][]);
      } finally {
        tf.dispose([ids, mask]);
        model.dispose();
      }
    };
    const local = await expectNoTensorLeak(() => embedBoth(false));
    const global = await expectNoTensorLeak(() => embedBoth(true));
    const difference = (rows: number[][]): number =>
      Math.max(...(rows[0] ?? []).map((value, i) => Math.abs(value - (rows[1]?.[i] ?? NaN))));
    expect(difference(local)).toBe(0);
    expect(difference(global)).toBeGreaterThan(1e-3);
  });

  it('encodes images and reports to unit vectors, and the phecode logits per class', async () => {
    const model = new Merlin(MERLIN_TINY).eval();
    const volume = tf.randomUniform([2, 1, 16, 20, 12], 0, 1, 'float32', 5);
    const ids = tf.tensor2d([[0, 7, 9, 12, 2, 1]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 1, 0]], undefined, 'int32');
    try {
      const [imageNorms, textNorms, logitsShape] = await expectNoTensorLeak(() =>
        tf.tidy(() => {
          const image = model.encodeImage(volume);
          const text = model.encodeText(ids, mask);
          return [
            Array.from(tf.norm(image, 2, -1).dataSync()),
            Array.from(tf.norm(text, 2, -1).dataSync()),
            model.classifyImage(volume).shape,
          ] as const;
        }),
      );
      for (const norm of [...imageNorms, ...textNorms]) expect(norm).toBeCloseTo(1, 5);
      expect(imageNorms).toHaveLength(2);
      expect(logitsShape).toEqual([2, 5]);
    } finally {
      tf.dispose([volume, ids, mask]);
      model.dispose();
    }
  });
});
