import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planCohort, writePhantomReport } from '../../../src/main/phantoms';
import { loadTokenizer, merlinReportText } from '../../../src/main/text/tokenizer';
import { REPO_ROOT } from '../../helpers/paths';
import { tempDir } from '../../helpers/temp-dir';

const DEMO = path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece');

describe('offline tokenizers', () => {
  const tokenizer = loadTokenizer(DEMO);

  it('tokenizes a report as a BERT WordPiece tokenizer: lower-case, [CLS] … [SEP], known words whole', () => {
    expect(tokenizer.tokenize('No focal liver lesion.')).toEqual(['no', 'focal', 'liver', 'lesion', '.']);
    const ids = tokenizer.encode('No focal liver lesion.', 64);
    const vocab = (
      JSON.parse(fs.readFileSync(path.join(DEMO, 'tokenizer.json'), 'utf8')) as {
        model: { vocab: Record<string, number> };
      }
    ).model.vocab;
    expect(ids[0]).toBe(vocab['[CLS]']);
    expect(ids.at(-1)).toBe(vocab['[SEP]']);
    expect(ids.slice(1, -1)).toEqual(['no', 'focal', 'liver', 'lesion', '.'].map((w) => vocab[w]));
  });

  it('spells an unseen word with ## pieces instead of [UNK]', () => {
    const pieces = tokenizer.tokenize('Xylophone');
    expect(pieces[0]).toBe('x');
    expect(pieces.slice(1).every((p) => p.startsWith('##'))).toBe(true);
    expect(pieces.map((p) => p.replace('##', '')).join('')).toBe('xylophone');
  });

  it('covers every phantom report without an unknown token', () => {
    for (const scanner of ['source', 'second'] as const) {
      for (const plan of planCohort({ region: 'abdomen', count: 20, seed: 99, scanner })) {
        expect(tokenizer.tokenize(writePhantomReport(plan))).not.toContain('[UNK]');
      }
    }
  });

  it('truncates keeping [SEP], and pads a batch with a mask', () => {
    const long = 'liver '.repeat(100);
    const ids = tokenizer.encode(long, 16);
    expect(ids).toHaveLength(16);
    expect(ids.at(-1)).toBe(tokenizer.encode('', 4).at(-1)); // [SEP]
    const batch = tokenizer.encodeBatch(['spleen', long], 8);
    expect(batch.ids).toHaveLength(16);
    expect([...batch.mask.slice(0, 8)]).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect([...batch.mask.slice(8)]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(batch.ids[5]).toBe(tokenizer.padId);
  });

  it('says which folder lacks the tokenizer files, and refuses broken ones', () => {
    const empty = tempDir();
    expect(() => loadTokenizer(empty)).toThrow(new RegExp(`No tokenizer.json in ${empty}`));
    fs.writeFileSync(path.join(empty, 'tokenizer.json'), '{ not json');
    expect(() => loadTokenizer(empty)).toThrow(/not valid JSON/);
    fs.writeFileSync(path.join(empty, 'tokenizer.json'), '{"model": {}}');
    expect(() => loadTokenizer(empty)).toThrow(/no model vocabulary/);
  });

  it("prepares report text the way Merlin's code does", () => {
    expect(merlinReportText('FINDINGS:  Liver mass (3.2 cm)!\nIMPRESSION: HCC.')).toBe(
      'findings : liver mass ( 3 . 2 cm )! impression : hcc .',
    );
  });
});
