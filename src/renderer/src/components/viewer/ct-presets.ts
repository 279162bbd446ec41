/** CT window presets (width/level in HU), OHIF's. */
export interface WindowPreset {
  id: string;
  label: string;
  width: number;
  level: number;
}

export const CT_WINDOW_PRESETS: readonly WindowPreset[] = [
  { id: 'soft-tissue', label: 'Soft tissue', width: 400, level: 40 },
  { id: 'lung', label: 'Lung', width: 1500, level: -600 },
  { id: 'liver', label: 'Liver', width: 150, level: 90 },
  { id: 'bone', label: 'Bone', width: 2500, level: 480 },
  { id: 'brain', label: 'Brain', width: 80, level: 40 },
];

export const DEFAULT_WINDOW: WindowPreset = CT_WINDOW_PRESETS[0] ?? {
  id: 'soft-tissue',
  label: 'Soft tissue',
  width: 400,
  level: 40,
};

/** Window width/level as the lower and upper HU of the displayed range. */
export function windowRange(width: number, level: number): { lower: number; upper: number } {
  return { lower: level - width / 2, upper: level + width / 2 };
}
