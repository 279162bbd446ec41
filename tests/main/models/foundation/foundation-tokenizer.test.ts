/**
 * The published models' tokenizer formats, loaded offline from their own files: CXR-BERT's
 * vocab.txt (WordPiece, lower-case, [CLS] … [SEP]) and Clinical-Longformer's vocab.json +
 * merges.txt (byte-level BPE, <s> … </s>), on tiny fixture vocabularies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer, merlinReportText } from '../../../../src/main/text/tokenizer';
import { tempDir } from '../../../helpers/temp-dir';
import { FOUNDATION_FIXTURES } from './parity-volumes';

describe('foundation model tokenizers', () => {
  it('reads a WordPiece vocab.txt: lower-cased, split at punctuation, [CLS] … [SEP], unknown words as [UNK]', () => {
    const tokenizer = loadTokenizer(path.join(FOUNDATION_FIXTURES, 'ctclip-tokenizer'));
    expect(tokenizer.vocabSize).toBe(64);
    expect(tokenizer.padId).toBe(0);
    expect(tokenizer.tokenize('No focal, lung.')).toEqual(['no', 'focal', ',', 'lung', '.']);
    expect(tokenizer.encode('No focal lung nodule is seen', 512)).toEqual([37, 21, 34, 17, 32, 19, 61, 46]);
    expect(tokenizer.encode('Pneumothorax', 512)).toEqual([37, 1, 46]);
    expect(tokenizer.encode('no no no no no', 4)).toEqual([37, 21, 21, 46]);
  });

  it('keeps case when tokenizer_config.json says do_lower_case false', () => {
    const folder = tempDir();
    fs.copyFileSync(path.join(FOUNDATION_FIXTURES, 'ctclip-tokenizer', 'vocab.txt'), path.join(folder, 'vocab.txt'));
    fs.writeFileSync(path.join(folder, 'tokenizer_config.json'), '{"do_lower_case": false}');
    expect(loadTokenizer(folder).encode('No no', 16)).toEqual([37, 1, 21, 46]);
  });

  it("reads a byte-level BPE vocab.json + merges.txt as RoBERTa's: <s> … </s>, pad <pad>", () => {
    const tokenizer = loadTokenizer(path.join(FOUNDATION_FIXTURES, 'merlin-tokenizer'));
    expect(tokenizer.vocabSize).toBe(50);
    expect(tokenizer.padId).toBe(1);
    expect(tokenizer.encode(merlinReportText('A B C D E F B G H'), 1024)).toEqual([
      0, 40, 38, 31, 36, 33, 19, 38, 49, 22, 2,
    ]);
    const batch = tokenizer.encodeBatch([merlinReportText('I J K L A F'), 'a b c d e f b g h'], 11);
    expect([...batch.ids.slice(0, 11)]).toEqual([0, 6, 47, 27, 11, 40, 19, 2, 1, 1, 1]);
    expect([...batch.mask.slice(0, 11)]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  });

  it('prepares Merlin report text: lower-case word and punctuation tokens joined by spaces', () => {
    expect(merlinReportText('Liver:  no focal lesion.\nSpleen normal (12 cm).')).toBe(
      'liver : no focal lesion . spleen normal ( 12 cm ).',
    );
  });

  it('says which files it looked for when a folder has none', () => {
    const folder = tempDir();
    fs.writeFileSync(path.join(folder, 'vocab.json'), '{}');
    expect(() => loadTokenizer(folder)).toThrow(
      /No tokenizer\.json in .* \(nor vocab\.txt, nor vocab\.json \+ merges\.txt\)/,
    );
  });
});
