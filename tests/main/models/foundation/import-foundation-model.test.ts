/**
 * Importing published checkpoints into the model library, in process: a safetensors and a torch
 * .pt of the CT-CLIP parity model land as the same stored weights with the source's hash recorded;
 * another architecture's checkpoint, a malicious pickle and a cancelled import leave nothing behind.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import {
  importFoundationModel,
  type ImportProgress,
} from '../../../../src/main/models/foundation/import-foundation-model';
import {
  createImportFolder,
  listLibraryModels,
  readModelFolder,
  removeStaleImports,
} from '../../../../src/main/models/foundation/model-library';
import { CancelledError, UserError } from '../../../../src/shared/errors';
import { REPO_ROOT } from '../../../helpers/paths';
import { tempDir } from '../../../helpers/temp-dir';
import { FOUNDATION_FIXTURES, PARITY_DIR } from './parity-volumes';

const CTCLIP_SAFETENSORS = path.join(PARITY_DIR, 'ctclip-small', 'model.safetensors');
const CTCLIP_PT = path.join(FOUNDATION_FIXTURES, 'ctclip-small.pt');
const MERLIN_PT = path.join(FOUNDATION_FIXTURES, 'merlin-small.pt');
const CTCLIP_CONFIG = path.join(FOUNDATION_FIXTURES, 'ctclip-small-config.json');
const MERLIN_CONFIG = path.join(FOUNDATION_FIXTURES, 'merlin-small-config.json');

function recorder(): ImportProgress & { messages: string[] } {
  const messages: string[] = [];
  return {
    messages,
    progress: (done, total, message) => {
      expect(done).toBeLessThanOrEqual(total);
      messages.push(message);
    },
    throwIfCancelled: () => undefined,
  };
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Everything under <dataDir>/models, temporary folders included. */
function libraryEntries(dataDir: string): string[] {
  const root = path.join(dataDir, 'models');
  return fs.existsSync(root) ? fs.readdirSync(root) : [];
}

describe('importing a foundation model', () => {
  it('stores a CT-CLIP safetensors checkpoint once: F32 weights without the stale key, config, tokenizer, the source hash', async () => {
    const dataDir = tempDir();
    const progress = recorder();
    const result = await importFoundationModel(
      dataDir,
      {
        file: CTCLIP_SAFETENSORS,
        arch: 'ctclip',
        config: CTCLIP_CONFIG,
        tokenizer: path.join(FOUNDATION_FIXTURES, 'ctclip-tokenizer'),
        name: 'CT-CLIP Small',
      },
      progress,
    );
    expect(result.alreadyImported).toBe(false);
    expect(result.model).toMatchObject({
      id: 'ct-clip-small',
      arch: 'ctclip',
      configName: 'ctclip-parity-small',
      preset: 'ctclip',
      hasTokenizer: true,
      source: {
        file: CTCLIP_SAFETENSORS,
        sha256: sha256(CTCLIP_SAFETENSORS),
        sizeBytes: fs.statSync(CTCLIP_SAFETENSORS).size,
      },
    });
    expect(result.notes).toEqual([expect.stringMatching(/^dropped text_transformer\.embeddings\.position_ids: /)]);
    expect(progress.messages.some((m) => m.startsWith('Hashing'))).toBe(true);
    expect(progress.messages.some((m) => m.startsWith('Converting visual_transformer.'))).toBe(true);

    const folder = path.join(dataDir, 'models', 'ct-clip-small');
    expect(fs.readdirSync(folder).sort()).toEqual(['config.json', 'import.json', 'model.safetensors', 'tokenizer']);
    expect(fs.readdirSync(path.join(folder, 'tokenizer')).sort()).toEqual(['tokenizer_config.json', 'vocab.txt']);
    const stored = readSafetensors(path.join(folder, 'model.safetensors')).tensors;
    const source = readSafetensors(CTCLIP_SAFETENSORS).tensors;
    expect([...stored.keys()].sort()).toEqual([...source.keys()].filter((k) => !k.endsWith('position_ids')).sort());
    for (const [name, tensor] of stored) {
      expect(tensor.dtype, name).toBe('F32');
      expect(tensor.data, name).toEqual(source.get(name)?.data);
    }
    expect(result.model.weightsSha256).toBe(sha256(path.join(folder, 'model.safetensors')));
    const record = readModelFolder(folder).record;
    expect(record.config.given).toEqual(JSON.parse(fs.readFileSync(CTCLIP_CONFIG, 'utf8')));
    expect(record.keyCheck).toMatchObject({ expected: 137, found: 138, matched: 137 });
    expect(record.parameters).toBe(result.model.parameters);
    expect(libraryEntries(dataDir)).toEqual(['ct-clip-small']);

    // The same file with the same config again: found by its hash, nothing rewritten.
    const before = fs.statSync(path.join(folder, 'model.safetensors')).mtimeMs;
    const again = await importFoundationModel(
      dataDir,
      { file: CTCLIP_SAFETENSORS, arch: 'ctclip', config: CTCLIP_CONFIG, name: 'other name' },
      recorder(),
    );
    expect(again.alreadyImported).toBe(true);
    expect(again.model.id).toBe('ct-clip-small');
    expect(fs.statSync(path.join(folder, 'model.safetensors')).mtimeMs).toBe(before);
    expect(libraryEntries(dataDir)).toEqual(['ct-clip-small']);
  });

  it('reads the same weights from a torch .pt (restricted unpickler) and a Lightning-style wrapped Merlin', async () => {
    const dataDir = tempDir();
    const ctclip = await importFoundationModel(
      dataDir,
      { file: CTCLIP_PT, arch: 'ctclip', config: CTCLIP_CONFIG },
      recorder(),
    );
    expect(ctclip.model.id).toBe('ctclip-small');
    const fromPt = readSafetensors(path.join(ctclip.model.path, 'model.safetensors')).tensors;
    const source = readSafetensors(CTCLIP_SAFETENSORS).tensors;
    for (const [name, tensor] of fromPt) expect(tensor.data, name).toEqual(source.get(name)?.data);

    const merlin = await importFoundationModel(
      dataDir,
      { file: MERLIN_PT, arch: 'merlin', config: MERLIN_CONFIG },
      recorder(),
    );
    expect(merlin.notes.join('\n')).toMatch(/'state_dict' entry/);
    const stored = readSafetensors(path.join(merlin.model.path, 'model.safetensors')).tensors;
    const tracked = stored.get('encode_image.i3_resnet.bn1.num_batches_tracked');
    expect(tracked?.dtype).toBe('I64');
    expect(tracked?.data).toEqual(BigInt64Array.of(709n));
    expect(listLibraryModels(dataDir).map((m) => [m.id, m.record.arch, m.record.source.format])).toEqual([
      ['ctclip-small', 'ctclip', 'torch'],
      ['merlin-small', 'merlin', 'torch'],
    ]);
  });

  it("refuses another architecture's checkpoint with the key report, writing nothing", async () => {
    const dataDir = tempDir();
    const error = await importFoundationModel(
      dataDir,
      { file: MERLIN_PT, arch: 'ctclip', config: CTCLIP_CONFIG },
      recorder(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as UserError).message;
    expect((error as UserError).code).toBe('CHECKPOINT_INVALID');
    expect(message).toMatch(/does not fit ctclip \(ctclip-parity-small\); nothing was imported/);
    expect(message).toMatch(/137 tensors expected, 196 in the checkpoint, 0 match/);
    expect(message).toMatch(/Missing \(the model's, not in the checkpoint\) \(137\)/);
    expect(message).toMatch(
      /Unexpected \(in the checkpoint, not in the model\) \(173\):\n {2}by module: encode_image\.i3_resnet/,
    );
    expect(libraryEntries(dataDir)).toEqual([]);
  });

  it("assumes the released model's sizes without --config, and says how to load a small variant", async () => {
    const error = await importFoundationModel(
      tempDir(),
      { file: CTCLIP_SAFETENSORS, arch: 'ctclip' },
      recorder(),
    ).catch((e: unknown) => e);
    expect((error as UserError).message).toMatch(/does not fit ctclip \(ct-clip\)/);
    expect((error as UserError).message).toMatch(
      /text_transformer\.embeddings\.word_embeddings\.weight: checkpoint \[64, 16\], model \[30522, 768\]/,
    );
    expect((error as UserError).message).toMatch(/give the config of a smaller variant with --config/);
  });

  it('refuses a pickle that would run code, naming the global, writing nothing', async () => {
    const dataDir = tempDir();
    for (const [fixture, global] of [
      ['evil-os-system.pt', 'os.system'],
      ['evil-eval.pt', 'builtins.eval'],
    ] as const) {
      const error = await importFoundationModel(
        dataDir,
        { file: path.join(REPO_ROOT, 'tests', 'fixtures', 'torch', fixture), arch: 'merlin' },
        recorder(),
      ).catch((e: unknown) => e);
      expect((error as UserError).code).toBe('CHECKPOINT_INVALID');
      expect((error as UserError).message).toContain(`asks to call ${global}`);
    }
    expect(libraryEntries(dataDir)).toEqual([]);
  });

  it('leaves no folder, not even a temporary one, when cancelled while converting', async () => {
    const dataDir = tempDir();
    let converted = 0;
    const cancelling: ImportProgress = {
      progress: (_done, _total, message) => {
        if (message.startsWith('Converting')) converted += 1;
      },
      throwIfCancelled: () => {
        if (converted >= 20) throw new CancelledError();
      },
    };
    await expect(
      importFoundationModel(dataDir, { file: CTCLIP_PT, arch: 'ctclip', config: CTCLIP_CONFIG }, cancelling),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(converted).toBe(20);
    expect(libraryEntries(dataDir)).toEqual([]);
  });

  it("removes a killed import's temporary folder, but not one whose process still runs", () => {
    const dataDir = tempDir();
    const mine = createImportFolder(dataDir);
    const dead = path.join(dataDir, 'models', '.import-dead');
    fs.mkdirSync(dead);
    fs.writeFileSync(path.join(dead, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 12345 }));
    fs.writeFileSync(path.join(dead, 'model.safetensors'), 'half');
    const ownerlessNew = path.join(dataDir, 'models', '.import-new'); // being created or renamed
    const ownerlessOld = path.join(dataDir, 'models', '.import-old');
    fs.mkdirSync(ownerlessNew);
    fs.mkdirSync(ownerlessOld);
    const longAgo = new Date(Date.now() - 5 * 60_000);
    fs.utimesSync(ownerlessOld, longAgo, longAgo);
    expect(removeStaleImports(dataDir).sort()).toEqual([dead, ownerlessOld].sort());
    expect(fs.existsSync(mine)).toBe(true);
    expect(fs.existsSync(ownerlessNew)).toBe(true);
    expect(listLibraryModels(dataDir)).toEqual([]);
  });
});
