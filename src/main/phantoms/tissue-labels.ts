/**
 * Tissue codes of the label map rendered alongside each phantom (the tissue covering most of a
 * voxel). For evaluation and checks only — e.g. lesion masks for localisation metrics.
 */
export const TISSUE = {
  air: 0,
  subcutaneousFat: 1,
  muscle: 2,
  visceralFat: 3,
  bowel: 4,
  bowelGas: 5,
  liver: 6,
  spleen: 7,
  kidney: 8,
  vessel: 9,
  bone: 10,
  lung: 11,
  heart: 12,
  liverMass: 13,
  liverCyst: 14,
  fluid: 15,
  stomach: 16,
  airway: 17,
  disc: 18,
  csf: 19,
  pancreas: 20,
  renalSinus: 21,
  lungNodule: 22,
  mediastinalFat: 23,
  hepaticVessel: 24,
  lungVessel: 25,
} as const;

export type TissueName = keyof typeof TISSUE;
export type Tissue = (typeof TISSUE)[TissueName];

/** Name of each code, for printing label maps. */
export const TISSUE_NAMES: ReadonlyMap<number, TissueName> = new Map(
  (Object.entries(TISSUE) as Array<[TissueName, number]>).map(([name, code]) => [code, name]),
);
