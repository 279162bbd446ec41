/**
 * PEFT adapter folders: `adapter_model.safetensors` (F32 LoRA factors under PEFT's key names)
 * and `adapter_config.json` (see adapter-config.ts). Both files are written atomically; the
 * config goes last, so a folder with a config always has its weights.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../../shared/errors';
import { writeFileAtomic } from '../../fs/atomic-write';
import { AdapterConfigSchema, adapterConfigJson, describeConfigIssues, type AdapterConfig } from './adapter-config';
import { loraPairs } from './adapter-structure';
import type { Adapter, AdapterTensor } from './adapter-types';
import { readSafetensors } from './safetensors-reader';
import type { Tensor } from './safetensors-dtypes';
import { writeSafetensors } from './safetensors-writer';

export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';

/** Write an adapter folder. The config is validated first; nothing is written if it is invalid. */
export function writeAdapter(folder: string, adapter: Pick<Adapter, 'config' | 'tensors'>): void {
  const configFile = path.join(folder, ADAPTER_CONFIG_FILE);
  const parsed = AdapterConfigSchema.safeParse(adapter.config);
  if (!parsed.success) {
    throw new UserError(
      'INVALID_INPUT',
      `Cannot write ${configFile}: the adapter config is invalid (${describeConfigIssues(parsed.error)}).`,
    );
  }
  loraPairs(parsed.data, adapter.tensors, folder);
  const tensors = new Map<string, Tensor>(
    [...adapter.tensors].map(([key, tensor]) => [key, { dtype: 'F32', shape: [...tensor.shape], data: tensor.data }]),
  );
  writeSafetensors(path.join(folder, ADAPTER_WEIGHTS_FILE), tensors, new Map([['format', 'pt']]));
  writeFileAtomic(configFile, adapterConfigJson(parsed.data));
}

function readConfig(folder: string): AdapterConfig {
  const file = path.join(folder, ADAPTER_CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError('IO_ERROR', `Could not read ${file} (${code}): an adapter folder needs its config file.`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      'INVALID_INPUT',
      `${file} is not valid JSON (${(error as Error).message}). Restore it from the adapter as it was saved.`,
    );
  }
  const parsed = AdapterConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new UserError(
      'INVALID_INPUT',
      `${file} is not a LoRA adapter config this program can use: ${describeConfigIssues(parsed.error)}.`,
    );
  }
  return parsed.data;
}

/** Read and validate an adapter folder (config and weights). */
export function readAdapter(folder: string): Adapter {
  const config = readConfig(folder);
  const weightsFile = path.join(folder, ADAPTER_WEIGHTS_FILE);
  const tensors = new Map<string, AdapterTensor>();
  for (const [key, tensor] of readSafetensors(weightsFile).tensors) {
    if (tensor.dtype !== 'F32') {
      throw new UserError(
        'INVALID_INPUT',
        `${weightsFile}: tensor "${key}" is ${tensor.dtype}; LoRA weights must be floating point (F32, F16 or BF16).`,
      );
    }
    tensors.set(key, { data: tensor.data, shape: tensor.shape });
  }
  loraPairs(config, tensors, folder);
  return { config, tensors, source: folder };
}
