/**
 * Volumes for the CT viewer travel as NIfTI files by URL (cornerstone3D's NIfTI loader fetches
 * and gunzips them), never as file:// or blob: URLs. The same relative paths are served by web
 * mode over HTTP (under VIEWER_FILES_WEB_PREFIX, with the per-launch token as a Bearer header)
 * and by the desktop app through its privileged custom protocol (VIEWER_FILES_SCHEME).
 *
 * - `projects/<projectId>/studies/<studyId>/original.nii.gz`: the stored CT as imported (its own
 *   voxel order and affine), in HU.
 * - `projects/<projectId>/studies/<studyId>/preprocessed.nii.gz`: what the project's base model
 *   sees (resampled, cropped or padded, clipped), mapped back to HU so the same window presets apply.
 * - `projects/<projectId>/gradcam/<file name>`: a Grad-CAM map written by the `gradcam.run` job,
 *   on the original CT's exact grid (so it overlays the original volume).
 */

export const VIEWER_FILES_WEB_PREFIX = '/files/';
export const VIEWER_FILES_SCHEME = 'ctvlm-files';

export const STUDY_VOLUME_KINDS = ['original', 'preprocessed'] as const;
export type StudyVolumeKind = (typeof STUDY_VOLUME_KINDS)[number];

export function studyVolumeFile(projectId: string, studyId: number, kind: StudyVolumeKind): string {
  return `projects/${projectId}/studies/${studyId}/${kind}.nii.gz`;
}

export function gradCamFile(projectId: string, fileName: string): string {
  return `projects/${projectId}/gradcam/${encodeURIComponent(fileName)}`;
}

export type ViewerFileRequest =
  | { kind: 'study-volume'; projectId: string; studyId: number; volume: StudyVolumeKind }
  | { kind: 'gradcam'; projectId: string; fileName: string };

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const STUDY_VOLUME_PATH = new RegExp(
  `^projects/(${UUID})/studies/([1-9][0-9]{0,15})/(original|preprocessed)\\.nii\\.gz$`,
);
const GRADCAM_PATH = new RegExp(`^projects/(${UUID})/gradcam/([A-Za-z0-9._-]{1,200}\\.nii(?:\\.gz)?)$`);

/** Parse a relative viewer path (already URL-decoded); null when it names nothing we serve. */
export function parseViewerFile(relativePath: string): ViewerFileRequest | null {
  const volume = STUDY_VOLUME_PATH.exec(relativePath);
  if (volume?.[1] && volume[2] && volume[3]) {
    return {
      kind: 'study-volume',
      projectId: volume[1].toLowerCase(),
      studyId: Number(volume[2]),
      volume: volume[3] as StudyVolumeKind,
    };
  }
  const map = GRADCAM_PATH.exec(relativePath);
  if (map?.[1] && map[2] && !map[2].startsWith('.')) {
    return { kind: 'gradcam', projectId: map[1].toLowerCase(), fileName: map[2] };
  }
  return null;
}
