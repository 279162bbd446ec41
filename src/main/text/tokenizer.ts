/**
 * Text tokenizers loaded offline from a model's own tokenizer files in a local folder
 * (tokenizer.json, optional tokenizer_config.json) through @huggingface/tokenizers. Nothing is
 * ever fetched: a missing file is an error naming the folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../../shared/errors';
import { tokenizerJsonFromVocabFiles } from './tokenizer-from-vocab';

export interface TokenBatch {
  /** [batch * maxLength] token ids, row-major; padded with the pad id. */
  ids: Int32Array;
  /** [batch * maxLength] 1 for real tokens, 0 for padding. */
  mask: Int32Array;
  batch: number;
  maxLength: number;
}

export interface TextTokenizer {
  readonly folder: string;
  readonly vocabSize: number;
  readonly padId: number;
  tokenize(text: string): string[];
  /** Ids with the model's special tokens ([CLS] … [SEP]), truncated to maxLength (keeping [SEP]). */
  encode(text: string, maxLength: number): number[];
  encodeBatch(texts: readonly string[], maxLength: number): TokenBatch;
}

export function loadTokenizer(folder: string): TextTokenizer {
  const file = path.join(folder, 'tokenizer.json');
  let json: unknown;
  let config: unknown = {};
  try {
    const configFile = path.join(folder, 'tokenizer_config.json');
    if (fs.existsSync(configFile)) config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    // Without tokenizer.json: vocab.txt (WordPiece) or vocab.json + merges.txt (byte-level BPE).
    json = fs.existsSync(file)
      ? JSON.parse(fs.readFileSync(file, 'utf8'))
      : tokenizerJsonFromVocabFiles(folder, (config ?? {}) as Record<string, unknown>);
    if (json === null) {
      throw new UserError(
        'INVALID_INPUT',
        `No tokenizer.json in ${folder} (nor vocab.txt, nor vocab.json + merges.txt): copy the model's tokenizer files there (they are never downloaded).`,
      );
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      'INVALID_INPUT',
      `The tokenizer files in ${folder} are not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const vocab = (json as { model?: { vocab?: Record<string, number> } }).model?.vocab;
  if (!vocab || typeof vocab !== 'object') throw new UserError('INVALID_INPUT', `${file} has no model vocabulary.`);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, config as object);
  } catch (error) {
    throw new UserError(
      'INVALID_INPUT',
      `${file} is not a tokenizer this workbench can read: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const vocabSize = Math.max(...Object.values(vocab)) + 1;
  const padId = vocab['[PAD]'] ?? vocab['<pad>'] ?? 0;
  const sepId = vocab['[SEP]'] ?? vocab['</s>'] ?? null;

  const encode = (text: string, maxLength: number): number[] => {
    const ids = tokenizer.encode(text).ids;
    if (ids.length <= maxLength) return ids;
    const truncated = ids.slice(0, maxLength);
    if (sepId !== null && ids[ids.length - 1] === sepId) truncated[maxLength - 1] = sepId;
    return truncated;
  };

  return {
    folder,
    vocabSize,
    padId,
    tokenize: (text) => tokenizer.tokenize(text),
    encode,
    encodeBatch(texts, maxLength) {
      const ids = new Int32Array(texts.length * maxLength).fill(padId);
      const mask = new Int32Array(texts.length * maxLength);
      texts.forEach((text, row) => {
        encode(text, maxLength).forEach((id, column) => {
          ids[row * maxLength + column] = id;
          mask[row * maxLength + column] = 1;
        });
      });
      return { ids, mask, batch: texts.length, maxLength };
    },
  };
}

/** Merlin's report text: lower-case, word/punctuation tokens joined by single spaces. */
export function merlinReportText(report: string): string {
  return (report.toLowerCase().match(/\w+|[^\w\s]+/g) ?? []).join(' ');
}
