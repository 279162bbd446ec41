/**
 * Builds the demo's small WordPiece vocabulary (resources/tokenizers/demo-wordpiece/) from the
 * phantom cohorts' reports, in the Hugging Face tokenizer.json format, so the demo model's text
 * encoder is tokenized exactly like a BERT-family model. Every word seen in the reports is a
 * token; single characters and their ## continuations cover anything else.
 *   node --import tsx tools/build-demo-tokenizer.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planCohort, writePhantomReport, type PhantomRegion, type ScannerName } from '../src/main/phantoms';

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'tokenizers', 'demo-wordpiece');

const words = new Set<string>();
const characters = new Set<string>();
for (const region of ['abdomen', 'chest'] as PhantomRegion[]) {
  for (const scanner of ['source', 'second'] as ScannerName[]) {
    for (const plan of planCohort({ region, count: 600, seed: 7, scanner })) {
      // As BertNormalizer + BertPreTokenizer split: lower-case, words and single punctuation marks.
      for (const token of writePhantomReport(plan)
        .toLowerCase()
        .match(/[a-z0-9]+|[^a-z0-9\s]/g) ?? []) {
        words.add(token);
        for (const character of token) characters.add(character);
      }
    }
  }
}
for (const character of 'abcdefghijklmnopqrstuvwxyz0123456789.,:;()/-+%?\'"') characters.add(character);
const vocabulary = [
  ...SPECIAL,
  ...[...characters].sort(),
  ...[...characters].sort().map((c) => `##${c}`),
  ...[...words].filter((w) => w.length > 1).sort(),
];
const vocab = Object.fromEntries([...new Set(vocabulary)].map((token, id) => [token, id]));
const id = (token: string): number => vocab[token] ?? -1;
const special = (token: string) => ({ id: token, ids: [id(token)], tokens: [token] });

const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: SPECIAL.map((content) => ({
    id: id(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })),
  normalizer: {
    type: 'BertNormalizer',
    clean_text: true,
    handle_chinese_chars: true,
    strip_accents: null,
    lowercase: true,
  },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
    ],
    pair: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } },
      { SpecialToken: { id: '[SEP]', type_id: 1 } },
    ],
    special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab,
  },
};
const config = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  model_max_length: 512,
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  mask_token: '[MASK]',
};
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'tokenizer.json'), `${JSON.stringify(tokenizer)}\n`);
fs.writeFileSync(path.join(out, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
console.log(`Wrote ${Object.keys(vocab).length} tokens to ${out}`);
