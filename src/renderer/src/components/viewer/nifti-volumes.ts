/**
 * NIfTI volumes for the viewer: checked (so an HTTP error is reported, not waited on), read by
 * cornerstone3D's NIfTI loader into a streaming volume with byte progress, and released from
 * cornerstone's cache when the page no longer needs them.
 */
import { cache, Enums, eventTarget, volumeLoader, type Types } from '@cornerstonejs/core';
import { createNiftiImageIdsAndCacheMetadata, Enums as NiftiEnums } from '@cornerstonejs/nifti-volume-loader';
import { checkViewerFile, viewerFileUrl } from '../../api/viewer-files';

export interface LoadProgress {
  loaded: number;
  /** Bytes to read; 0 when the server did not say. */
  total: number;
}

const imageIdsByVolume = new Map<string, string[]>();

/** The cornerstone volume id of a viewer file. */
export function volumeIdOf(relativePath: string): string {
  return `ctvlm:${relativePath}`;
}

interface ProgressDetail {
  data?: { url?: string; volumeId?: string; loaded?: number; total?: number | string | null };
}

interface LoadErrorDetail {
  imageId?: string;
  error?: unknown;
}

/** Read a viewer file into cornerstone's cache (once); resolves with its volume id when every slice is in. */
export async function loadNiftiVolume(
  relativePath: string,
  what: string,
  onProgress: (progress: LoadProgress) => void,
): Promise<string> {
  const volumeId = volumeIdOf(relativePath);
  const cached = cache.getVolume(volumeId) as Types.IStreamingImageVolume | undefined;
  if (cached) {
    await whenLoaded(cached, new Set<string>(cached.imageIds));
    return volumeId;
  }
  await checkViewerFile(relativePath, what);
  const url = viewerFileUrl(relativePath);
  const onBytes = (event: Event): void => {
    const data = (event as CustomEvent<ProgressDetail>).detail.data;
    if (!data || (data.url ?? data.volumeId) !== url) return;
    onProgress({ loaded: Number(data.loaded ?? 0), total: Number(data.total ?? 0) || 0 });
  };
  eventTarget.addEventListener(NiftiEnums.Events.NIFTI_VOLUME_PROGRESS, onBytes);
  try {
    const imageIds = (await createNiftiImageIdsAndCacheMetadata({ url })) as string[] | undefined;
    if (!imageIds?.length) throw new Error(`${what} is not a readable NIfTI file.`);
    imageIdsByVolume.set(volumeId, imageIds);
    const volume = (await volumeLoader.createAndCacheVolume(volumeId, { imageIds })) as Types.IStreamingImageVolume;
    await whenLoaded(volume, new Set(imageIds), what);
    return volumeId;
  } catch (error) {
    releaseVolume(volumeId);
    throw error;
  } finally {
    eventTarget.removeEventListener(NiftiEnums.Events.NIFTI_VOLUME_PROGRESS, onBytes);
  }
}

function whenLoaded(volume: Types.IStreamingImageVolume, imageIds: Set<string>, what = 'The volume'): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | null = null;
    const onError = (event: Event): void => {
      const detail = (event as CustomEvent<LoadErrorDetail>).detail;
      if (detail.imageId && imageIds.has(detail.imageId) && failure === null) {
        const cause = detail.error instanceof Error ? detail.error.message : describe(detail.error);
        failure = `${what} could not be read: ${cause}`;
      }
    };
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, onError);
    // BaseStreamingImageVolume.load(callback): the callback runs once every slice is processed.
    (volume as unknown as { load(callback: () => void): void }).load(() => {
      eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_ERROR, onError);
      if (failure !== null) reject(new Error(failure));
      else resolve();
    });
  });
}

function describe(error: unknown): string {
  if (typeof error === 'string' && error) return error;
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string')
    return error.message;
  return 'unknown error';
}

/** Drop a volume and its slices from cornerstone's cache (nothing when it is not there). */
export function releaseVolume(volumeId: string): void {
  if (cache.getVolumeLoadObject(volumeId)) cache.removeVolumeLoadObject(volumeId);
  for (const imageId of imageIdsByVolume.get(volumeId) ?? []) {
    if (cache.getImageLoadObject(imageId)) cache.removeImageLoadObject(imageId, { force: true });
  }
  imageIdsByVolume.delete(volumeId);
}
