/** Tensor files: safetensors reading and writing, PEFT adapter folders, file hashes. */
export {
  DTYPE_SIZES,
  type SafetensorsDtype,
  type Tensor,
  type TensorData,
  type TensorDtype,
} from './safetensors-dtypes';
export { MAX_HEADER_BYTES } from './safetensors-header';
export {
  openSafetensors,
  readSafetensors,
  type SafetensorsContents,
  type SafetensorsFile,
  type SafetensorsTensorInfo,
} from './safetensors-reader';
export { encodeSafetensors, writeSafetensors } from './safetensors-writer';
export { sha256File } from './sha256-file';
export { AdapterConfigSchema, type AdapterConfig } from './adapter-config';
export type { Adapter, AdapterTensor, LoraPair } from './adapter-types';
export { loraKey, parseLoraKey, PEFT_KEY_PREFIX } from './peft-keys';
export { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, readAdapter, writeAdapter } from './peft-adapter';
export { checkAdapterAgainstBase, type BaseModelDescription } from './check-adapter-against-base';
