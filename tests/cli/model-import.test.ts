/**
 * `ctvlm model import | list` and `ctvlm embed` as a user runs them (real processes, the import
 * in a worker): the parity checkpoints import from .safetensors and .pt, list with their source
 * hash, and embed to the PyTorch reference's embeddings to 1e-4; another architecture's
 * checkpoint prints the key report, a malicious pickle is refused naming the global, and a killed
 * import leaves no model behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTsProcess } from '../helpers/child-process';
import { REPO_ROOT } from '../helpers/paths';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';
import {
  expectedRow,
  FOUNDATION_FIXTURES,
  maxAbsDiff,
  PARITY_DIR,
  PARITY_TEXTS,
  writeParityVolume,
} from '../main/models/foundation/parity-volumes';

const CTCLIP_SAFETENSORS = path.join(PARITY_DIR, 'ctclip-small', 'model.safetensors');
const fixture = (name: string): string => path.join(FOUNDATION_FIXTURES, name);

interface EmbedJson {
  model: string;
  backend: string;
  text: { ids: number[] };
  imageEmbedding: number[];
  textEmbedding: number[];
}

/** `ctvlm model import CHECKPOINT --arch ARCH ...options` into dataDir. */
const importModel = (dataDir: string, checkpoint: string, arch: string, ...options: string[]) =>
  ctvlm(['--data-dir', dataDir, 'model', 'import', checkpoint, '--arch', arch, ...options]);

/** `ctvlm [--json] embed` of one raw (not preprocessed) volume and one text on the CPU backend. */
const embed = (
  dataDir: string,
  { json = false, model, image, text }: { json?: boolean; model: string; image: string; text: string },
  ...options: string[]
) =>
  ctvlm([
    '--data-dir',
    dataDir,
    ...(json ? ['--json'] : []),
    'embed',
    '--model',
    model,
    '--image',
    image,
    '--text',
    text,
    '--no-preprocess',
    '--backend',
    'cpu',
    ...options,
  ]);

describe('ctvlm model import, model list, embed', () => {
  it('imports the CT-CLIP parity checkpoint, lists it, and embeds to the reference to 1e-4', async () => {
    const dataDir = tempDir();
    const imported = await importModel(
      dataDir,
      CTCLIP_SAFETENSORS,
      'ctclip',
      '--config',
      fixture('ctclip-small-config.json'),
      '--tokenizer',
      fixture('ctclip-tokenizer'),
      '--name',
      'ctclip-small',
    );
    expect(imported.stderr).toMatch(/100% .*Imported ctclip-small/);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(
      /^Imported ctclip-small: ctclip \(ctclip-parity-small\), 25,059 parameters in 137 tensors/,
    );
    expect(imported.stdout).toMatch(/dropped text_transformer\.embeddings\.position_ids/);

    const list = await ctvlm(['--data-dir', dataDir, '--json', 'model', 'list']);
    const { models } = JSON.parse(list.stdout) as {
      models: Array<{ id: string; arch: string; source: { sha256: string } }>;
    };
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ id: 'ctclip-small', arch: 'ctclip' });
    const human = await ctvlm(['--data-dir', dataDir, 'model', 'list']);
    expect(human.stdout).toMatch(
      /^id +arch +parameters +size +source sha256 +imported\nctclip-small +ctclip +25,059 +0\.1 MB +[0-9a-f]{12} +\d{4}-\d\d-\d\d\n$/,
    );
    expect(human.stdout).toContain(models[0]?.source.sha256.slice(0, 12));

    const volumes = tempDir();
    for (const row of [0, 1]) {
      const { file } = writeParityVolume('ctclip', row, volumes);
      const embedded = await embed(dataDir, {
        json: true,
        model: 'ctclip-small',
        image: file,
        text: PARITY_TEXTS.ctclip[0] ?? '',
      });
      expect(embedded.code, embedded.stderr).toBe(0);
      const result = JSON.parse(embedded.stdout) as EmbedJson;
      expect(result.backend).toBe('cpu');
      expect(result.text.ids).toEqual([37, 21, 34, 17, 32, 19, 61, 46]);
      expect(maxAbsDiff(result.imageEmbedding, expectedRow('ctclip', 'image_latents', row))).toBeLessThan(1e-4);
      expect(maxAbsDiff(result.textEmbedding, expectedRow('ctclip', 'text_latents', 0))).toBeLessThan(1e-4);
    }
  });

  it('imports a wrapped Merlin .pt and embeds to the reference to 1e-4', async () => {
    const dataDir = tempDir();
    const imported = await importModel(
      dataDir,
      fixture('merlin-small.pt'),
      'merlin',
      '--config',
      fixture('merlin-small-config.json'),
      '--tokenizer',
      fixture('merlin-tokenizer'),
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/Imported merlin-small: merlin/);
    const { file } = writeParityVolume('merlin', 1, tempDir());
    const embedded = await embed(dataDir, {
      json: true,
      model: 'merlin-small',
      image: file,
      text: PARITY_TEXTS.merlin[1] ?? '',
    });
    expect(embedded.code, embedded.stderr).toBe(0);
    const result = JSON.parse(embedded.stdout) as EmbedJson;
    expect(maxAbsDiff(result.imageEmbedding, expectedRow('merlin', 'image_embedding', 1))).toBeLessThan(1e-4);
    expect(maxAbsDiff(result.textEmbedding, expectedRow('merlin', 'text_embedding', 1))).toBeLessThan(1e-4);
  });

  it("prints the key report for another architecture's checkpoint and a refusal for a malicious pickle; nothing is stored", async () => {
    const dataDir = tempDir();
    const wrong = await importModel(
      dataDir,
      fixture('merlin-small.pt'),
      'ctclip',
      '--config',
      fixture('ctclip-small-config.json'),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/merlin-small\.pt does not fit ctclip \(ctclip-parity-small\); nothing was imported/);
    expect(wrong.stderr).toMatch(/Missing \(the model's, not in the checkpoint\) \(137\)/);
    expect(wrong.stderr).toMatch(/Unexpected \(in the checkpoint, not in the model\) \(173\)/);

    const evil = await importModel(
      dataDir,
      path.join(REPO_ROOT, 'tests', 'fixtures', 'torch', 'evil-os-system.pt'),
      'merlin',
    );
    expect(evil.code).toBe(1);
    expect(evil.stderr).toMatch(/refused: the checkpoint asks to call os\.system/);

    const missing = await importModel(dataDir, path.join(dataDir, 'nope.pt'), 'merlin');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/The checkpoint .*nope\.pt does not exist/);

    const list = await ctvlm(['--data-dir', dataDir, 'model', 'list']);
    expect(list.stdout).toMatch(/^No imported models/);
    const root = path.join(dataDir, 'models');
    expect(fs.existsSync(root) ? fs.readdirSync(root) : []).toEqual([]);
  });

  it('leaves no model when an import is killed mid-conversion; the next listing clears its temporary folder', async () => {
    const dataDir = tempDir();
    const { child } = await startTsProcess(
      path.join(REPO_ROOT, 'tests', 'helpers', 'paused-model-import.ts'),
      [dataDir, fixture('ctclip-small.pt'), 'ctclip', fixture('ctclip-small-config.json')],
      /^converting \d+\/\d+$/m,
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const root = path.join(dataDir, 'models');
    const left = fs.readdirSync(root);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.import-[0-9a-f]+$/);
    expect(fs.readdirSync(path.join(root, left[0] ?? '')).sort()).toEqual(['model.safetensors', 'owner.json']);

    const list = await ctvlm(['--data-dir', dataDir, '--json', 'model', 'list']);
    expect(JSON.parse(list.stdout)).toEqual({ models: [] });
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('says how to give a tokenizer when the model was imported without one', async () => {
    const dataDir = tempDir();
    const imported = await importModel(
      dataDir,
      CTCLIP_SAFETENSORS,
      'ctclip',
      '--config',
      fixture('ctclip-small-config.json'),
      '--name',
      'bare',
    );
    expect(imported.stdout).toMatch(/no tokenizer \(embed needs --tokenizer\)/);
    const { file } = writeParityVolume('ctclip', 0, tempDir());
    const bare = { model: 'bare', image: file, text: 'no' };
    const withoutTokenizer = await embed(dataDir, bare);
    expect(withoutTokenizer.code).toBe(1);
    expect(withoutTokenizer.stderr).toMatch(
      /bare was imported without its tokenizer: give the model's tokenizer folder with --tokenizer DIR/,
    );
    const withTokenizer = await embed(dataDir, bare, '--tokenizer', fixture('ctclip-tokenizer'));
    expect(withTokenizer.code, withTokenizer.stderr).toBe(0);
    expect(withTokenizer.stdout).toMatch(
      /^bare \(ctclip\) on cpu\nimage .*\(raw, 12x12x6\)\ntext +"no" \(3 tokens\)\nimage embedding +\[/,
    );
  });
});
