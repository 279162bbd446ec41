/**
 * Which organ systems a sentence is about, by keyword: the rule-based decomposition. A
 * sentence naming two systems ("No hepatic or splenic lesion.") belongs to both. Words are
 * matched at word starts, so "gallbladder" is never read as "bladder".
 */
import type { OrganSystem } from '../../../shared/organ-systems';

const KEYWORDS: Record<OrganSystem, readonly string[]> = {
  lungs: [
    'lung',
    'pulmonary',
    'lobe',
    'lobar',
    'consolidation',
    'emphysema',
    'ground-glass',
    'ground glass',
    'atelecta',
    'pneumonia',
    'lingula',
  ],
  airways: ['airway', 'trachea', 'bronch'],
  pleura: ['pleura', 'pneumothora', 'effusion'],
  mediastinum: ['mediastin', 'hilar', 'hila', 'hilum', 'thymus', 'thyroid'],
  heart: ['heart', 'cardiac', 'cardio', 'pericardi', 'coronary'],
  esophagus: ['esophag', 'oesophag', 'hiatus hernia', 'hiatal hernia'],
  liver: ['liver', 'hepat', 'steatosis', 'cirrho', 'couinaud'],
  biliary: [
    'gallbladder',
    'gall bladder',
    'biliary',
    'bile duct',
    'cholelith',
    'cholecyst',
    'gallstone',
    'common bile',
    'cbd',
  ],
  spleen: ['spleen', 'splen'],
  pancreas: ['pancrea'],
  adrenals: ['adrenal'],
  kidneys: ['kidney', 'renal', 'ureter', 'hydroneph', 'nephr', 'perinephric'],
  bowel: [
    'bowel',
    'colon',
    'colonic',
    'stomach',
    'gastric',
    'duoden',
    'jejun',
    'ileum',
    'ileal',
    'appendi',
    'diverticul',
    'rectum',
    'rectal',
    'sigmoid',
    'caecum',
    'cecum',
  ],
  peritoneum: [
    'peritone',
    'retroperitone',
    'ascites',
    'mesenter',
    'free fluid',
    'free air',
    'omentum',
    'omental',
    'pneumoperitoneum',
  ],
  pelvis: ['bladder', 'uterus', 'uterine', 'ovar', 'prostat', 'adnex', 'pelvic organ', 'seminal'],
  vessels: [
    'aorta',
    'aortic',
    // Not "venous" or "portal": "portal venous phase" names a contrast phase, not a vessel.
    'vein',
    'arter',
    'vascular',
    'vessel',
    'ivc',
    'thromb',
    'aneurysm',
    'embol',
  ],
  lymph_nodes: ['lymph', 'node', 'nodal', 'adenopathy'],
  musculoskeletal: [
    'bone',
    'bony',
    'osseous',
    'skelet',
    'spine',
    'spinal',
    'vertebra',
    'rib',
    'ribs',
    'sclerotic',
    'lytic',
    'fracture',
    'muscle',
    'soft tissue',
    'abdominal wall',
    'inguinal',
    'degenerative',
    'sternum',
    'scapula',
    'clavicle',
    'pelvic bone',
    'sacrum',
    'femor',
  ],
};

const PATTERNS: Array<[OrganSystem, RegExp]> = Object.entries(KEYWORDS).map(([organ, words]) => [
  organ as OrganSystem,
  new RegExp(`(?:^|[^\\p{L}])(?:${words.map(escape).join('|')})`, 'iu'),
]);

/** The organ systems a sentence (or an organ label such as "Lung bases") names. */
export function organSystemsOf(text: string): OrganSystem[] {
  return PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([organ]) => organ);
}

function escape(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
