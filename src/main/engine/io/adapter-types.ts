/** An adapter in memory: its PEFT config and its LoRA tensors by PEFT key. */
import type { AdapterConfig } from './adapter-config';

export interface AdapterTensor {
  data: Float32Array;
  shape: number[];
}

export interface Adapter {
  config: AdapterConfig;
  /** By PEFT key: `base_model.model.<module path>.lora_A.weight` / `.lora_B.weight`. */
  tensors: Map<string, AdapterTensor>;
  /** Where it came from (a folder), for messages. */
  source?: string;
}

/** One adapted layer: its module path and its two LoRA factors. */
export interface LoraPair {
  modulePath: string;
  a: AdapterTensor;
  b: AdapterTensor;
}
