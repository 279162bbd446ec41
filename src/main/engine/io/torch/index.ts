/** PyTorch checkpoints (torch.save zip format) read without running their code. */
export {
  openTorchCheckpoint,
  readTorchCheckpoint,
  type TorchCheckpoint,
  type TorchCheckpointContents,
  type TorchTensorInfo,
} from './torch-checkpoint-reader';
export { TORCH_DTYPE_SIZES, type TorchDtype } from './torch-dtypes';
export { WRAPPER_KEYS } from './torch-state-dict';
