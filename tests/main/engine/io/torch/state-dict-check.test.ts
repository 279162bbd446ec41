import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../../src/shared/errors';
import {
  assertStateDictMatches,
  checkStateDict,
  formatStateDictReport,
  type ExpectedTensor,
} from '../../../../../src/main/engine/io/state-dict-check';
import { openTorchCheckpoint, type TorchTensorInfo } from '../../../../../src/main/engine/io/torch';
import { fixture } from './torch-fixtures';

function tensorsOf(file: string): ReadonlyMap<string, TorchTensorInfo> {
  const checkpoint = openTorchCheckpoint(fixture(file));
  checkpoint.close();
  return checkpoint.tensors;
}

describe('state dict key check', () => {
  it("drops CT-CLIP's stale text_transformer.embeddings.position_ids by rule and says so", () => {
    const expected: ExpectedTensor[] = [
      { name: 'text_transformer.embeddings.word_embeddings.weight', shape: [10, 4] },
      { name: 'to_text_latent.weight', shape: [3, 4] },
      { name: 'temperature', shape: [] },
    ];
    const report = assertStateDictMatches(tensorsOf('ctclip-keys.pt'), expected, {
      file: 'ct-clip.pt',
      model: 'ctclip',
    });
    expect(report.ok).toBe(true);
    expect(report.matched).toBe(3);
    expect(report.unexpected).toEqual([]);
    expect(report.dropped.map(({ name, shape }) => ({ name, shape }))).toEqual([
      { name: 'text_transformer.embeddings.position_ids', shape: [1, 8] },
    ]);
    expect(report.dropped[0]?.reason).toMatch(/stale buffer/);
    const text = formatStateDictReport(report, { model: 'ctclip' });
    expect(text).toContain('State dict check against ctclip: 3 tensors expected, 4 in the checkpoint, 3 match; OK.');
    expect(text).toMatch(
      /Dropped by rule \(1\):\n {2}text_transformer\.embeddings\.position_ids \[1, 8\]: a stale buffer/,
    );
  });

  it('keeps position_ids when the architecture does expect it (a rule never hides an expected tensor)', () => {
    const report = checkStateDict(tensorsOf('ctclip-keys.pt'), [
      { name: 'text_transformer.embeddings.position_ids', shape: [1, 16] },
    ]);
    expect(report.dropped).toEqual([]);
    expect(report.mismatched).toEqual([
      { name: 'text_transformer.embeddings.position_ids', expected: [1, 16], found: [1, 8] },
    ]);
  });

  it('treats num_batches_tracked as optional both ways', () => {
    const found = new Map([
      ['a.num_batches_tracked', { shape: [] }],
      ['a.weight', { shape: [2] }],
    ]);
    const report = checkStateDict(found, [
      { name: 'a.weight', shape: [2] },
      { name: 'b.num_batches_tracked', shape: [] },
    ]);
    expect(report.ok).toBe(true);
    expect(report.optionalMissing.map((t) => t.name)).toEqual(['b.num_batches_tracked']);
    expect(report.dropped.map((t) => t.name)).toEqual(['a.num_batches_tracked']);
    expect(report.missing).toEqual([]);
  });

  it('reports a state dict of another architecture: missing, unexpected and mismatched, and refuses it whole', () => {
    const found = tensorsOf('state-dict.pt');
    const expected: ExpectedTensor[] = [
      { name: '0.weight', shape: [3, 4] },
      { name: '0.bias', shape: [5] },
      { name: '1.weight', shape: [3] },
      { name: '1.num_batches_tracked', shape: [] },
      ...Array.from({ length: 14 }, (_, i) => ({ name: `encoder.layer${i % 2}.conv${i}.weight`, shape: [8, 3, 3] })),
    ];
    const report = checkStateDict(found, expected);
    expect(report.ok).toBe(false);
    expect(report.matched).toBe(3);
    expect(report.mismatched).toEqual([{ name: '0.bias', expected: [5], found: [3] }]);
    expect(report.missing).toHaveLength(14);
    expect(report.missing[0]).toEqual({ name: 'encoder.layer0.conv0.weight', shape: [8, 3, 3] });
    const expectedNames = new Set(expected.map((t) => t.name));
    expect(report.unexpected.map((t) => t.name)).toEqual([...found.keys()].filter((n) => !expectedNames.has(n)));
    expect(report.unexpected).toHaveLength(20);
    expect(report.unexpected.find((t) => t.name === 'transposed')).toEqual({ name: 'transposed', shape: [4, 3] });

    let caught: unknown;
    try {
      assertStateDictMatches(found, expected, { file: 'other.pt', model: 'merlin', limit: 5 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    const message = (caught as UserError).message;
    expect((caught as UserError).code).toBe('CHECKPOINT_INVALID');
    expect(message).toContain('other.pt does not fit merlin; nothing was loaded.');
    expect(message).toContain('18 tensors expected, 24 in the checkpoint, 3 match.');
    expect(message).toContain("Missing (the model's, not in the checkpoint) (14):");
    expect(message).toContain('  by module: encoder.layer0 (7), encoder.layer1 (7)');
    expect(message).toContain('  encoder.layer0.conv0.weight [8, 3, 3]');
    expect(message).toContain('  ... and 9 more');
    expect(message).toContain('Unexpected (in the checkpoint, not in the model) (20):');
    expect(message).toContain('Shape mismatches (1):\n  0.bias: checkpoint [3], model [5]');
  });
});
