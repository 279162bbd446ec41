/**
 * The organ systems report text is decomposed into. Modelled on the organ-system headers of
 * the structured abdominal CT reports Merlin was pretrained on (lower thorax through
 * musculoskeletal), with the chest systems CT-CLIP's reports use added, so one list serves
 * both models. Keys are snake_case; labels are what training text and the UI show.
 */
export const ORGAN_SYSTEMS = [
  { key: 'lungs', label: 'Lungs' },
  { key: 'airways', label: 'Airways' },
  { key: 'pleura', label: 'Pleura' },
  { key: 'mediastinum', label: 'Mediastinum' },
  { key: 'heart', label: 'Heart and pericardium' },
  { key: 'esophagus', label: 'Esophagus' },
  { key: 'liver', label: 'Liver' },
  { key: 'biliary', label: 'Gallbladder and bile ducts' },
  { key: 'spleen', label: 'Spleen' },
  { key: 'pancreas', label: 'Pancreas' },
  { key: 'adrenals', label: 'Adrenal glands' },
  { key: 'kidneys', label: 'Kidneys and ureters' },
  { key: 'bowel', label: 'Stomach and bowel' },
  { key: 'peritoneum', label: 'Peritoneum and retroperitoneum' },
  { key: 'pelvis', label: 'Bladder and pelvic organs' },
  { key: 'vessels', label: 'Vessels' },
  { key: 'lymph_nodes', label: 'Lymph nodes' },
  { key: 'musculoskeletal', label: 'Bones and soft tissues' },
] as const;

export type OrganSystem = (typeof ORGAN_SYSTEMS)[number]['key'];

export const ORGAN_SYSTEM_KEYS = ORGAN_SYSTEMS.map((organ) => organ.key) as unknown as readonly [
  OrganSystem,
  ...OrganSystem[],
];

export function organLabel(key: string): string {
  return ORGAN_SYSTEMS.find((organ) => organ.key === key)?.label ?? key.replace(/_/g, ' ');
}

export function isOrganSystem(key: string): key is OrganSystem {
  return ORGAN_SYSTEMS.some((organ) => organ.key === key);
}
