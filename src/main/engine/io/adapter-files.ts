/**
 * A model's LoRA adapter to and from a PEFT adapter folder (peft-adapter.ts).
 *
 * Saving writes the model's current wrappers, which may differ in rank, alpha and dropout (one
 * adapter mixing ConvLoRA r=2 on the image convs with LoRA r=16 on the text attention): r and
 * lora_alpha are the most common (rank, alpha) among the layers (ties: the earlier layer's),
 * rank_pattern / alpha_pattern give the others under their full module paths (adapter-config.ts),
 * lora_dropout is the first layer's and ctvlm.dropout_pattern the differing ones. Also written:
 * target_modules = the wrapped modules' full dotted paths (PEFT matches a full path to exactly
 * that module), ctvlm.conv_lora_modules = the wrapped Conv3d layers, base_model_name_or_path =
 * the base model id, ctvlm.base_model_sha256 = the base checkpoint's sha256.
 *
 * Loading checks the adapter against the model (checkpoint hash, every layer exists and is a
 * Linear or Conv3d whose weight fits the factors at that layer's rank, every saved parameter
 * exists outside the adapted layers with its shape) before anything changes; only then are the
 * current wrappers removed (removeLora), the adapter's wrapped on (each layer with its own rank,
 * alpha and dropout), and its factors and saved parameters loaded. So a refused adapter leaves
 * the model as it was, and swapping adapters never reloads the base.
 *
 * Parameters trained whole besides LoRA (ctvlm.saved_parameters: projections, temperature) are
 * saved under `base_model.model.<name>` and, on loading, overwrite the model's values; removing
 * the adapter does not bring the base values back (reload the base model for that).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BugError, UserError } from '../../../shared/errors';
import { Conv3d } from '../layers/conv3d';
import { Linear } from '../layers/linear';
import { applyLora } from '../lora/apply-lora';
import { validateLoraHyperparameters } from '../lora/lora-hyperparameters';
import { isLoraLayer } from '../lora/lora-layer';
import { loraLayers } from '../lora/lora-modules';
import { disposeStateDict, loadLoraStateDict, loraStateDict, toPeftKeys } from '../lora/lora-state-dict';
import { removeLora } from '../lora/remove-lora';
import type { Module } from '../module';
import { tf } from '../tf';
import { alphaOf, dropoutOf, rankOf, type AdapterConfig } from './adapter-config';
import { loraPairs, savedParameters } from './adapter-structure';
import type { Adapter, AdapterTensor, LoraPair } from './adapter-types';
import { checkAdapterAgainstBase } from './check-adapter-against-base';
import { ADAPTER_WEIGHTS_FILE, readAdapter, writeAdapter } from './peft-adapter';
import { savedParameterKey } from './peft-keys';

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
  options: {
    baseModelId: string;
    baseSha256: string;
    name: string;
    /** Base-model parameters trained whole, saved with the adapter (PEFT's modules_to_save). */
    savedParameters?: readonly string[];
  },
): SavedAdapter {
  const wrappers = loraLayers(model);
  const first = wrappers[0]?.[1];
  if (!first)
    throw new UserError('INVALID_INPUT', `Cannot save adapter "${options.name}": the model has no LoRA layers.`);
  const saved = [...new Set(options.savedParameters ?? [])];
  const parameters = new Map(model.namedParameters());
  const unknown = saved.filter((name) => !parameters.has(name));
  if (unknown.length > 0) {
    throw new UserError(
      'INVALID_INPUT',
      `Cannot save adapter "${options.name}": the model has no parameter ${unknown.join(', ')} (a LoRA-wrapped layer's weights cannot be saved whole).`,
    );
  }
  const [r, alpha] = mostCommonRankAndAlpha(wrappers.map(([, layer]) => layer));
  const rankPattern = sortedRecord(wrappers.filter(([, l]) => l.rank !== r).map(([n, l]) => [n, l.rank]));
  const alphaPattern = sortedRecord(wrappers.filter(([, l]) => l.alpha !== alpha).map(([n, l]) => [n, l.alpha]));
  const dropoutPattern = sortedRecord(
    wrappers.filter(([, l]) => l.dropout !== first.dropout).map(([n, l]) => [n, l.dropout]),
  );
  const config: AdapterConfig = {
    peft_type: 'LORA',
    r,
    lora_alpha: alpha,
    lora_dropout: first.dropout,
    target_modules: wrappers.map(([name]) => name),
    base_model_name_or_path: options.baseModelId,
    bias: 'none',
    task_type: null,
    fan_in_fan_out: false,
    inference_mode: true,
    ...(Object.keys(rankPattern).length > 0 ? { rank_pattern: rankPattern } : {}),
    ...(Object.keys(alphaPattern).length > 0 ? { alpha_pattern: alphaPattern } : {}),
    ctvlm: {
      format_version: 1,
      base_model_sha256: options.baseSha256.toLowerCase(),
      conv_lora_modules: wrappers.filter(([, layer]) => layer.baseLayer instanceof Conv3d).map(([name]) => name),
      ...(saved.length > 0 ? { saved_parameters: saved } : {}),
      ...(Object.keys(dropoutPattern).length > 0 ? { dropout_pattern: dropoutPattern } : {}),
    },
    // What PEFT reads to restore whole modules: every saved parameter's module (the temperature has none).
    ...(saved.some((name) => name.includes('.'))
      ? { modules_to_save: [...new Set(saved.filter((n) => n.includes('.')).map((n) => n.replace(/\.[^.]+$/, '')))] }
      : {}),
  };
  // A pattern key also applies to any module whose path ends with ".<key>"; make sure each layer reads back as it is.
  for (const [name, layer] of wrappers) {
    const read = { rank: rankOf(config, name), alpha: alphaOf(config, name), dropout: dropoutOf(config, name) };
    if (read.rank !== layer.rank || read.alpha !== layer.alpha || read.dropout !== layer.dropout) {
      throw new UserError(
        'INVALID_INPUT',
        `Cannot save adapter "${options.name}": ${name} has r=${layer.rank}, alpha=${layer.alpha}, dropout=${layer.dropout}, but the adapter config would give it r=${read.rank}, alpha=${read.alpha}, dropout=${read.dropout} (another layer's pattern key matches its path).`,
      );
    }
  }
  const values = loraStateDict(model);
  try {
    const tensors = new Map<string, AdapterTensor>(
      [...toPeftKeys(values)].map(([key, value]) => [
        key,
        { data: Float32Array.from(value.dataSync()), shape: [...value.shape] },
      ]),
    );
    for (const name of saved) {
      const value = parameters.get(name)!;
      tensors.set(savedParameterKey(name), { data: Float32Array.from(value.dataSync()), shape: [...value.shape] });
    }
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

/** The (rank, alpha) most layers have; among equally common ones, the earliest layer's. */
function mostCommonRankAndAlpha(layers: ReadonlyArray<{ rank: number; alpha: number }>): [number, number] {
  const counts = new Map<string, { value: [number, number]; count: number }>();
  for (const { rank, alpha } of layers) {
    const key = `${rank}/${alpha}`;
    const entry = counts.get(key) ?? { value: [rank, alpha], count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  let best: { value: [number, number]; count: number } | undefined;
  for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry; // Map keeps first-seen order
  return best?.value ?? [0, 0];
}

/** A record with its keys in sorted order (the order the JSON file has them, which PEFT's first match follows). */
function sortedRecord(entries: Array<[string, number]>): Record<string, number> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
  const groups = layerGroups(adapter.config, pairs);
  for (const group of groups) validateLoraHyperparameters(group);

  const saved = savedParameters(adapter.config, adapter.tensors, where);
  const savedNames = adapter.config.ctvlm.saved_parameters ?? [];
  const parameterNames = baseParameterNames(model);
  for (const name of savedNames) {
    if (!parameterNames.has(name)) {
      throw new UserError(
        'ADAPTER_BASE_MISMATCH',
        `Adapter ${where} carries ${name}, which is not a parameter of base model ${base.modelId} (a buffer or a missing name).`,
      );
    }
  }

  const values = new Map<string, tf.Tensor>(
    [...adapter.tensors]
      .filter(([key]) => !saved.has(key))
      .map(([key, tensor]) => [key, tf.tensor(tensor.data, tensor.shape, 'float32')]),
  );
  try {
    removeLora(model);
    for (const { modules: targets, rank, alpha, dropout } of groups) {
      applyLora(model, { targets: exactly(targets), kind: 'auto', rank, alpha, dropout });
    }
    loadLoraStateDict(model, values);
    // Looked up after wrapping: the saved parameters lie outside the adapted layers, under their plain names.
    const parameters = new Map(model.namedParameters());
    for (const name of savedNames) {
      const tensor = saved.get(savedParameterKey(name));
      const variable = parameters.get(name);
      if (!tensor || !variable)
        throw new BugError(`Saved parameter ${name} vanished while attaching adapter ${where}.`);
      const value = tf.tensor(tensor.data, variable.shape, 'float32');
      variable.assign(value);
      value.dispose();
    }
  } finally {
    disposeStateDict(values);
  }
}

/** The adapted layers grouped by (rank, alpha, dropout), in model order of each group's first layer. */
function layerGroups(
  config: AdapterConfig,
  pairs: readonly LoraPair[],
): Array<{ modules: string[]; rank: number; alpha: number; dropout: number }> {
  const groups = new Map<string, { modules: string[]; rank: number; alpha: number; dropout: number }>();
  for (const { modulePath } of pairs) {
    const rank = rankOf(config, modulePath);
    const alpha = alphaOf(config, modulePath);
    const dropout = dropoutOf(config, modulePath);
    const key = `${rank}/${alpha}/${dropout}`;
    const group = groups.get(key) ?? { modules: [], rank, alpha, dropout };
    group.modules.push(modulePath);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Parameter names of the plain (unwrapped) model: a wrapper's base_layer parameters under the layer's name. */
function baseParameterNames(model: Module): Set<string> {
  const wrappers = loraLayers(model).map(([name]) => name);
  const names = new Set<string>();
  for (const [key] of model.namedParameters()) {
    const owner = wrappers.find((name) => key.startsWith(`${name}.`));
    if (owner === undefined) names.add(key);
    else if (key.startsWith(`${owner}.base_layer.`)) names.add(`${owner}.${key.slice(`${owner}.base_layer.`.length)}`);
  }
  return names;
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
