import { describe, expect, it } from 'vitest';
import { gradCamFile, parseViewerFile, studyVolumeFile } from '../../src/shared/api/viewer-files';

const PROJECT = '5f0c8a1e-2b3c-4d5e-8f90-123456789abc';

describe('viewer file paths', () => {
  it('round-trips the paths it makes', () => {
    expect(parseViewerFile(studyVolumeFile(PROJECT, 12, 'original'))).toEqual({
      kind: 'study-volume',
      projectId: PROJECT,
      studyId: 12,
      volume: 'original',
    });
    expect(parseViewerFile(studyVolumeFile(PROJECT, 3, 'preprocessed'))).toMatchObject({ volume: 'preprocessed' });
    expect(parseViewerFile(gradCamFile(PROJECT, 'study-1-base-17.nii.gz'))).toEqual({
      kind: 'gradcam',
      projectId: PROJECT,
      fileName: 'study-1-base-17.nii.gz',
    });
  });

  it('names nothing outside the shapes it serves', () => {
    for (const path of [
      `projects/${PROJECT}/gradcam/../project.sqlite`,
      `projects/${PROJECT}/gradcam/../../etc/passwd.nii.gz`,
      `projects/${PROJECT}/gradcam/.hidden.nii.gz`,
      `projects/${PROJECT}/gradcam/map.json`,
      `projects/${PROJECT}/gradcam/sub/map.nii.gz`,
      `projects/${PROJECT}/studies/0/original.nii.gz`,
      `projects/${PROJECT}/studies/1/raw.nii.gz`,
      `projects/${PROJECT}/studies/1/original.nii`,
      `/projects/${PROJECT}/studies/1/original.nii.gz`,
      'projects/../studies/1/original.nii.gz',
      '',
    ]) {
      expect(parseViewerFile(path), path).toBeNull();
    }
  });
});
