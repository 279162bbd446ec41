/**
 * Grad-CAM maps kept in a project: files/gradcam/NAME.nii.gz (or .nii) beside NAME.json, the
 * job's result with the model's label and the time. The viewer lists a study's maps from the
 * records; a record whose NIfTI is gone, or that does not parse, is left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GradCamMapSchema, type GradCamMap, type GradCamResult } from '../../shared/api/evaluation-schemas';
import { writeFileAtomic } from '../fs/atomic-write';

export function gradCamDir(filesDir: string): string {
  return path.join(filesDir, 'gradcam');
}

/** NAME.nii.gz or NAME.nii → NAME.json. */
export function gradCamRecordPath(niftiFile: string): string {
  return niftiFile.replace(/\.nii(\.gz)?$/i, '.json');
}

/** Write the record beside a map just written (after the map: a record never names a missing file). */
export function recordGradCamMap(result: GradCamResult, modelLabel: string): GradCamMap {
  const map: GradCamMap = {
    ...result,
    fileName: path.basename(result.file),
    modelLabel,
    createdAt: new Date().toISOString(),
  };
  writeFileAtomic(gradCamRecordPath(result.file), JSON.stringify(map, null, 2));
  return map;
}

/** The maps of one study in the project's gradcam folder, newest first. */
export function listGradCamMaps(filesDir: string, studyId: number): GradCamMap[] {
  const dir = gradCamDir(filesDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const maps: GradCamMap[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    let map: GradCamMap;
    try {
      map = GradCamMapSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')));
    } catch {
      continue;
    }
    if (map.studyId !== studyId || !fs.existsSync(path.join(dir, map.fileName))) continue;
    maps.push(map);
  }
  return maps.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
