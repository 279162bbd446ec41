/** Messages between the augmentation worker pool and its worker threads. */
import type { ErrorPayload } from '../../../shared/errors';
import type { AugmentVolume } from './augment-volume';
import type { AugmentationParams } from './augmentation-params';

/** Host → worker: augment this volume (its data buffer is transferred, not copied). */
export interface AugmentTask {
  id: number;
  volume: AugmentVolume;
  params: AugmentationParams;
}

/** Worker → host: the result (buffer transferred back) or the error as a payload. */
export type AugmentTaskResult =
  { id: number; ok: true; volume: AugmentVolume } | { id: number; ok: false; error: ErrorPayload };
