import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeTexts, encodeVolumes } from '../../../../src/main/engine/eval/encode-batches';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM } from '../../../../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../../../../src/main/engine/tf';
import { loadTokenizer } from '../../../../src/main/text/tokenizer';
import { REPO_ROOT } from '../../../helpers/paths';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function rowNorms(values: Float32Array, dim: number): number[] {
  return Array.from({ length: values.length / dim }, (_, row) =>
    Math.hypot(...values.subarray(row * dim, (row + 1) * dim)),
  );
}

describe('evaluation embeddings', () => {
  it('embeds texts in batches exactly as one pass does, L2-normalised, leaving no tensor', async () => {
    const model = new CtVlm(TINY_CTVLM).eval();
    const tokenizer = loadTokenizer(path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece'));
    const texts = ['Liver mass is present.', 'No ascites.', 'The spleen is enlarged.', 'Normal study.', 'Cyst.'];
    const batched = await expectNoTensorLeak(() => encodeTexts(model, tokenizer, texts, 2));
    const whole = await encodeTexts(model, tokenizer, texts, 16);
    expect(batched).toHaveLength(texts.length * 32);
    batched.forEach((value, i) => expect(value).toBeCloseTo(whole[i] ?? NaN, 5));
    rowNorms(batched, 32).forEach((norm) => expect(norm).toBeCloseTo(1, 5));
    model.dispose();
  });

  it('embeds x-fastest volumes as the NDHWC tensor [B, z, y, x, 1], L2-normalised', async () => {
    const model = new CtVlm(TINY_CTVLM).eval();
    const dims = [64, 64, 32] as const;
    const volumes = [0, 1].map((seed) =>
      Float32Array.from({ length: 64 * 64 * 32 }, (_, i) => ((i * (seed + 3)) % 97) / 97),
    );
    const embedded = await expectNoTensorLeak(() => encodeVolumes(model, volumes, dims));
    const direct = tf.tidy(() => model.encodeImage(tf.tensor(volumes[1]!, [1, 32, 64, 64, 1])));
    const expected = await direct.data();
    direct.dispose();
    expected.forEach((value, i) => expect(embedded[32 + i]).toBeCloseTo(value, 5));
    rowNorms(embedded, 32).forEach((norm) => expect(norm).toBeCloseTo(1, 5));
    await expect(encodeVolumes(model, [new Float32Array(10)], dims)).rejects.toThrow(/A volume of 10 voxels/);
    model.dispose();
  });
});
