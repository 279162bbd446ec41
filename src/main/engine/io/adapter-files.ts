/**
 * A model's LoRA adapter to and from a PEFT adapter folder (peft-adapter.ts).
 *
 * Saving writes the model's current wrappers: r, lora_alpha and lora_dropout (one value for all,
 * as PEFT without per-layer patterns), target_modules = the wrapped modules' full dotted paths
 * (PEFT matches a full path to exactly that module), ctvlm.conv_lora_modules = the wrapped
 * Conv3d layers, base_model_name_or_path = the base model id, ctvlm.base_model_sha256 = the
 * base checkpoint's sha256.
 *
 * Loading checks the adapter against the model (checkpoint hash, every layer exists and is a
 * Linear or Conv3d whose weight fits the factors) before anything changes; only then are the
 * current wrappers removed (removeLora), the adapter's wrapped on, and its factors loaded. So a
 * refused adapter leaves the model as it was, and swapping adapters never reloads the base.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../../shared/errors';
import { Conv3d } from '../layers/conv3d';
import { Linear } from '../layers/linear';
import { applyLora } from '../lora/apply-lora';
import { isLoraLayer } from '../lora/lora-layer';
import { loraLayers } from '../lora/lora-modules';
import { disposeStateDict, loadLoraStateDict, loraStateDict, toPeftKeys } from '../lora/lora-state-dict';
import { removeLora } from '../lora/remove-lora';
import type { Module } from '../module';
import { tf } from '../tf';
import type { AdapterConfig } from './adapter-config';
import { loraPairs } from './adapter-structure';
import type { Adapter, AdapterTensor } from './adapter-types';
import { checkAdapterAgainstBase } from './check-adapter-against-base';
import { ADAPTER_WEIGHTS_FILE, readAdapter, writeAdapter } from './peft-adapter';

export interface SavedAdapter {
  folder: string;
  name: string;
  config: AdapterConfig;
  /** Values in the LoRA factors (what training updates). */
  trainableParams: number;
  sizeBytes: number;
}

export interface AdapterBase {
  modelId: string;
  /** sha256 of the base checkpoint's weights file. */
  sha256: string;
}

/** Write the model's LoRA wrappers as a PEFT adapter folder. `name` is used in messages. */
export function saveAdapter(
  model: Module,
  folder: string,
  options: { baseModelId: string; baseSha256: string; name: string },
): SavedAdapter {
  const wrappers = loraLayers(model);
  const first = wrappers[0]?.[1];
  if (!first)
    throw new UserError('INVALID_INPUT', `Cannot save adapter "${options.name}": the model has no LoRA layers.`);
  const differing = wrappers.find(
    ([, layer]) => layer.rank !== first.rank || layer.alpha !== first.alpha || layer.dropout !== first.dropout,
  );
  if (differing) {
    throw new UserError(
      'INVALID_INPUT',
      `Cannot save adapter "${options.name}": ${differing[0]} has r=${differing[1].rank}, alpha=${differing[1].alpha}, dropout=${differing[1].dropout} but other layers have r=${first.rank}, alpha=${first.alpha}, dropout=${first.dropout}; a PEFT adapter has one of each.`,
    );
  }
  const config: AdapterConfig = {
    peft_type: 'LORA',
    r: first.rank,
    lora_alpha: first.alpha,
    lora_dropout: first.dropout,
    target_modules: wrappers.map(([name]) => name),
    base_model_name_or_path: options.baseModelId,
    bias: 'none',
    task_type: null,
    fan_in_fan_out: false,
    inference_mode: true,
    ctvlm: {
      format_version: 1,
      base_model_sha256: options.baseSha256.toLowerCase(),
      conv_lora_modules: wrappers.filter(([, layer]) => layer.baseLayer instanceof Conv3d).map(([name]) => name),
    },
  };
  const values = loraStateDict(model);
  try {
    const tensors = new Map<string, AdapterTensor>(
      [...toPeftKeys(values)].map(([key, value]) => [
        key,
        { data: Float32Array.from(value.dataSync()), shape: [...value.shape] },
      ]),
    );
    writeAdapter(folder, { config, tensors });
    return {
      folder,
      name: options.name,
      config,
      trainableParams: [...tensors.values()].reduce((sum, tensor) => sum + tensor.data.length, 0),
      sizeBytes: fs.statSync(path.join(folder, ADAPTER_WEIGHTS_FILE)).size,
    };
  } finally {
    disposeStateDict(values);
  }
}

/**
 * Read an adapter folder and put it on `model` in place of any adapter it has now. Refusals
 * (a different base checkpoint: ADAPTER_BASE_MISMATCH; a bad folder) leave the model unchanged.
 */
export function loadAdapterInto(model: Module, folder: string, base: AdapterBase): Adapter {
  const adapter = readAdapter(folder);
  attachAdapter(model, adapter, base);
  return adapter;
}

/** Put an adapter already in memory on `model` (see loadAdapterInto). */
export function attachAdapter(model: Module, adapter: Adapter, base: AdapterBase): void {
  const where = adapter.source ?? adapter.config.base_model_name_or_path;
  try {
    checkAdapterAgainstBase(adapter, { ...base, shapes: baseShapes(model) });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError('ADAPTER_BASE_MISMATCH', error.message, { cause: error });
  }
  const pairs = loraPairs(adapter.config, adapter.tensors, where);
  const modules = new Map(model.namedModules());
  for (const { modulePath, a } of pairs) {
    const found = modules.get(modulePath);
    const layer = isLoraLayer(found) ? found.baseLayer : found;
    const fits = a.shape.length === 2 ? layer instanceof Linear : layer instanceof Conv3d;
    if (!fits) {
      throw new UserError(
        'ADAPTER_BASE_MISMATCH',
        `Adapter ${where} does not fit base model ${base.modelId}: ${modulePath} is a ${layer?.constructor.name ?? 'missing module'}, but the adapter has ${a.shape.length === 2 ? 'Linear' : 'Conv3d'} LoRA factors for it.`,
      );
    }
  }

  const values = new Map<string, tf.Tensor>(
    [...adapter.tensors].map(([key, tensor]) => [key, tf.tensor(tensor.data, tensor.shape, 'float32')]),
  );
  try {
    removeLora(model);
    applyLora(model, {
      targets: exactly(pairs.map(({ modulePath }) => modulePath)),
      kind: 'auto',
      rank: adapter.config.r,
      alpha: adapter.config.lora_alpha,
      dropout: adapter.config.lora_dropout,
    });
    loadLoraStateDict(model, values);
  } finally {
    disposeStateDict(values);
  }
}

/** Shapes of the model's state dict under the plain (unwrapped) model's names. */
function baseShapes(model: Module): Map<string, readonly number[]> {
  const wrappers = loraLayers(model).map(([name]) => name);
  const shapes = new Map<string, readonly number[]>();
  for (const [key, value] of model.stateDict()) {
    const owner = wrappers.find((name) => key.startsWith(`${name}.`));
    if (owner === undefined) {
      shapes.set(key, value.shape);
      continue;
    }
    const inner = key.slice(owner.length + 1);
    if (inner.startsWith('base_layer.')) shapes.set(`${owner}.${inner.slice('base_layer.'.length)}`, value.shape);
  }
  return shapes;
}

/** A pattern that full-matches exactly these dotted names. */
function exactly(names: readonly string[]): RegExp {
  return new RegExp(names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}
