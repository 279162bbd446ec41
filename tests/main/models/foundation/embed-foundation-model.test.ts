/**
 * `ctvlm embed`'s engine, in process: the imported parity models reproduce the PyTorch reference's
 * image and text embeddings to 1e-4 from NIfTI files and plain text (through the fixture
 * tokenizers), with the raw voxels and through a preprocessing preset; an adapter changes them as
 * it does in the engine; nothing leaks tensors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveAdapter } from '../../../../src/main/engine/io/adapter-files';
import { applyMedCtVlmLora } from '../../../../src/main/engine/models/ctclip/medct-vlm-lora';
import { tf } from '../../../../src/main/engine/tf';
import { embedWithFoundationModel } from '../../../../src/main/models/foundation/embed-foundation-model';
import { importFoundationModel } from '../../../../src/main/models/foundation/import-foundation-model';
import { loadFoundationModel } from '../../../../src/main/models/foundation/load-foundation-model';
import { CtClip } from '../../../../src/main/engine/models/ctclip/ct-clip';
import { ARCH_AXES, imageInput } from '../../../../src/main/models/foundation/foundation-arch';
import { CTCLIP_PRESET, MERLIN_PRESET } from '../../../../src/main/volumes/presets';
import { readStoredVolume } from '../../../../src/main/volumes/read-volume';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';
import {
  expectedRow,
  FOUNDATION_FIXTURES,
  maxAbsDiff,
  PARITY_DIR,
  PARITY_TEXTS,
  writeParityVolume,
  type ParityArch,
} from './parity-volumes';

const TOLERANCE = 1e-4;
let dataDir = '';
let volumes = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  // tempDir() is cleaned after each test, so this suite keeps its own folder.
  dataDir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'ctvlm-embed-'));
  volumes = path.join(dataDir, 'volumes');
  fs.mkdirSync(volumes);
  const quiet = { progress: () => undefined, throwIfCancelled: () => undefined };
  for (const arch of ['ctclip', 'merlin'] as const) {
    await importFoundationModel(
      dataDir,
      {
        file: path.join(PARITY_DIR, `${arch}-small`, 'model.safetensors'),
        arch,
        config: path.join(FOUNDATION_FIXTURES, `${arch}-small-config.json`),
        tokenizer: path.join(FOUNDATION_FIXTURES, `${arch}-tokenizer`),
        name: arch,
      },
      quiet,
    );
  }
});

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const IMAGE_OUTPUT: Record<ParityArch, string> = { ctclip: 'image_latents', merlin: 'image_embedding' };
const TEXT_OUTPUT: Record<ParityArch, string> = { ctclip: 'text_latents', merlin: 'text_embedding' };

describe('embedding with an imported foundation model', () => {
  it('declares in each arch preset the voxel order the engine feeds the model', () => {
    expect(MERLIN_PRESET.layout.axes).toBe(`C${ARCH_AXES.merlin}`);
    expect(CTCLIP_PRESET.layout.axes).toBe(`C${ARCH_AXES.ctclip}`);
  });

  it.each([
    ['ctclip', 0],
    ['ctclip', 1],
    ['merlin', 0],
    ['merlin', 1],
  ] as const)('%s row %i: the reference embeddings to 1e-4 from a NIfTI file and text', async (arch, row) => {
    const { file } = writeParityVolume(arch, row, volumes);
    const text = PARITY_TEXTS[arch][row] ?? PARITY_TEXTS[arch][0] ?? '';
    const result = await expectNoTensorLeak(() =>
      embedWithFoundationModel(dataDir, { model: arch, image: file, text, raw: true }),
    );
    expect(result.image.preprocessing).toBe('raw');
    expect(maxAbsDiff(result.imageEmbedding, expectedRow(arch, IMAGE_OUTPUT[arch], row))).toBeLessThan(TOLERANCE);
    if (PARITY_TEXTS[arch][row] !== undefined) {
      expect(maxAbsDiff(result.textEmbedding, expectedRow(arch, TEXT_OUTPUT[arch], row))).toBeLessThan(TOLERANCE);
    }
    const norm = Math.hypot(...result.imageEmbedding);
    expect(norm).toBeCloseTo(1, 5);
  });

  it('gives the same embedding through a preprocessing preset that keeps the voxels (readVolume + preprocess path)', async () => {
    const { file, dims } = writeParityVolume('merlin', 0, volumes);
    const preset = path.join(volumes, 'identity.json');
    fs.writeFileSync(
      preset,
      JSON.stringify({
        ...MERLIN_PRESET,
        name: 'identity',
        spacing: { mm: [1, 1, 1], grid: 'monai-spacing' },
        intensity: { huWindow: [-1000, 1000], outputRange: [-1000, 1000], clip: 'after-resampling' },
        depthSlices: undefined,
        output: { size: dims, padValue: 0 },
      }),
    );
    const result = await embedWithFoundationModel(dataDir, { model: 'merlin', image: file, text: 'a', preset });
    expect(result.image).toMatchObject({ preprocessing: 'identity', dims });
    expect(maxAbsDiff(result.imageEmbedding, expectedRow('merlin', 'image_embedding', 0))).toBeLessThan(TOLERANCE);
  });

  it('prepares Merlin text as Merlin does (lower-case, word-punct) and truncates to the model maximum', async () => {
    const { file } = writeParityVolume('merlin', 0, volumes);
    const result = await embedWithFoundationModel(dataDir, {
      model: 'merlin',
      image: file,
      text: 'A B C D E F B G H I J K L A',
      raw: true,
    });
    expect(result.text.prepared).toBe('a b c d e f b g h i j k l a');
    expect(result.text.ids).toHaveLength(12); // the config's max_length
    expect(result.text.ids.at(0)).toBe(0);
    expect(result.text.ids.at(-1)).toBe(2); // </s> kept
  });

  it("refuses a volume whose size does not fit CT-CLIP's patch grid, saying what it reads", async () => {
    const { file } = writeParityVolume('merlin', 0, volumes);
    await expect(
      embedWithFoundationModel(dataDir, { model: 'ctclip', image: file, text: 'no', raw: true }),
    ).rejects.toThrow(/is 20x24x12 voxels, but ctclip-parity-small reads 12x12 slices, a multiple of 2 of them/);
  });

  it('applies a PEFT adapter trained on the imported weights, and refuses one trained on other weights', async () => {
    const { file, dims } = writeParityVolume('ctclip', 0, volumes);
    const adapterDir = path.join(volumes, 'adapter');
    const loaded = loadFoundationModel(dataDir, 'ctclip');
    let adapted: number[];
    try {
      const model = loaded.model.module;
      if (!(model instanceof CtClip)) throw new Error('expected a CT-CLIP');
      applyMedCtVlmLora(model);
      for (const [name, variable] of model.namedParameters()) {
        if (name.includes('lora_B')) variable.assign(tf.fill(variable.shape, 0.05));
      }
      saveAdapter(model, adapterDir, {
        baseModelId: loaded.library.id,
        baseSha256: loaded.library.record.weights.sha256,
        name: 'test',
      });
      const volume = await readStoredVolume(file);
      adapted = tf.tidy(() => {
        const input = imageInput(loaded.library.foundation, Float32Array.from(volume.data), dims, file);
        return Array.from(model.encodeImage(input).dataSync());
      });
    } finally {
      loaded.dispose();
    }
    const result = await expectNoTensorLeak(() =>
      embedWithFoundationModel(dataDir, {
        model: 'ctclip',
        image: file,
        text: PARITY_TEXTS.ctclip[0] ?? '',
        raw: true,
        adapter: adapterDir,
      }),
    );
    expect(result.adapter).toBe(adapterDir);
    expect(maxAbsDiff(result.imageEmbedding, adapted)).toBeLessThan(1e-5);
    expect(maxAbsDiff(result.imageEmbedding, expectedRow('ctclip', 'image_latents', 0))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(result.textEmbedding, expectedRow('ctclip', 'text_latents', 0))).toBeGreaterThan(1e-3);

    const configFile = path.join(adapterDir, 'adapter_config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { ctvlm: { base_model_sha256: string } };
    config.ctvlm.base_model_sha256 = '0'.repeat(64);
    fs.writeFileSync(configFile, JSON.stringify(config));
    await expect(
      embedWithFoundationModel(dataDir, { model: 'ctclip', image: file, text: 'no', raw: true, adapter: adapterDir }),
    ).rejects.toMatchObject({ code: 'ADAPTER_BASE_MISMATCH' });
  });
});
