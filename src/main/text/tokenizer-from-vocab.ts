/**
 * A tokenizer.json built from the older files a model folder may hold instead: `vocab.txt` (BERT
 * WordPiece, e.g. CXR-BERT) or `vocab.json` + `merges.txt` (RoBERTa byte-level BPE, e.g.
 * Clinical-Longformer), configured as transformers' BertTokenizerFast / RobertaTokenizerFast
 * convert them (do_lower_case and add_prefix_space read from tokenizer_config.json when present).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors';

type Vocab = Record<string, number>;

/** The tokenizer.json equivalent of the folder's vocabulary files, or null when it has none. */
export function tokenizerJsonFromVocabFiles(folder: string, config: Record<string, unknown>): object | null {
  const vocabTxt = path.join(folder, 'vocab.txt');
  const vocabJson = path.join(folder, 'vocab.json');
  const mergesTxt = path.join(folder, 'merges.txt');
  if (fs.existsSync(vocabTxt)) return wordPiece(readLines(vocabTxt), config.do_lower_case !== false);
  if (fs.existsSync(vocabJson) && fs.existsSync(mergesTxt)) {
    let vocab: unknown;
    try {
      vocab = JSON.parse(fs.readFileSync(vocabJson, 'utf8'));
    } catch (error) {
      throw new UserError('INVALID_INPUT', `${vocabJson} is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (typeof vocab !== 'object' || vocab === null || Object.values(vocab).some((id) => !Number.isInteger(id))) {
      throw new UserError('INVALID_INPUT', `${vocabJson} must map each token to an integer id.`);
    }
    const merges = readLines(mergesTxt).filter((line) => line.length > 0 && !line.startsWith('#version'));
    return byteLevelBpe(vocab as Vocab, merges, config.add_prefix_space === true);
  }
  return null;
}

function readLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
}

function addedTokens(vocab: Vocab, names: readonly string[]): object[] {
  return names
    .filter((name) => vocab[name] !== undefined)
    .map((name) => ({
      id: vocab[name],
      content: name,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
}

function special(vocab: Vocab, name: string, file: string): [string, number] {
  const id = vocab[name];
  if (id === undefined) throw new UserError('INVALID_INPUT', `${file} has no ${name} token.`);
  return [name, id];
}

function wordPiece(lines: readonly string[], lowercase: boolean): object {
  const vocab: Vocab = {};
  lines.forEach((token, id) => {
    if (!(token in vocab)) vocab[token] = id;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(vocab, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'BertProcessing',
      sep: special(vocab, '[SEP]', 'vocab.txt'),
      cls: special(vocab, '[CLS]', 'vocab.txt'),
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
}

function byteLevelBpe(vocab: Vocab, merges: readonly string[], addPrefixSpace: boolean): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(vocab, ['<s>', '<pad>', '</s>', '<unk>', '<mask>']),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'RobertaProcessing',
      sep: special(vocab, '</s>', 'vocab.json'),
      cls: special(vocab, '<s>', 'vocab.json'),
      trim_offsets: true,
      add_prefix_space: addPrefixSpace,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: vocab['<unk>'] === undefined ? null : '<unk>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}
