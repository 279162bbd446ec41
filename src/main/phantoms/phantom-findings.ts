/**
 * The findings each phantom region can carry, their default prevalence, and the zero-shot
 * prompt phrasings an evaluation can use (labels are for evaluation only, never training).
 */
export type PhantomRegion = 'abdomen' | 'chest';
export type ScannerName = 'source' | 'second';

export const ABDOMEN_FINDINGS = ['liver_mass', 'liver_cyst', 'steatosis', 'splenomegaly', 'ascites'] as const;
export const CHEST_FINDINGS = ['lung_nodule', 'pleural_effusion', 'cardiomegaly', 'emphysema'] as const;

export type AbdomenFindingName = (typeof ABDOMEN_FINDINGS)[number];
export type ChestFindingName = (typeof CHEST_FINDINGS)[number];
export type FindingName = AbdomenFindingName | ChestFindingName;

export const PHANTOM_FINDINGS: { abdomen: readonly AbdomenFindingName[]; chest: readonly ChestFindingName[] } = {
  abdomen: ABDOMEN_FINDINGS,
  chest: CHEST_FINDINGS,
};

export type AbdomenLabels = Record<AbdomenFindingName, 0 | 1>;
export type ChestLabels = Record<ChestFindingName, 0 | 1>;

/** Default probability that a study carries each finding (drawn independently per finding). */
export const DEFAULT_PREVALENCE: Record<FindingName, number> = {
  liver_mass: 0.45,
  liver_cyst: 0.25,
  steatosis: 0.25,
  splenomegaly: 0.2,
  ascites: 0.2,
  lung_nodule: 0.35,
  pleural_effusion: 0.2,
  cardiomegaly: 0.2,
  emphysema: 0.25,
};

/** The noun phrase for each finding, as a zero-shot classifier would name it. */
export const ZERO_SHOT_PROMPTS: Record<FindingName, string> = {
  liver_mass: 'liver mass',
  liver_cyst: 'liver cyst',
  steatosis: 'hepatic steatosis',
  splenomegaly: 'splenomegaly',
  ascites: 'ascites',
  lung_nodule: 'lung nodule',
  pleural_effusion: 'pleural effusion',
  cardiomegaly: 'cardiomegaly',
  emphysema: 'emphysema',
};

/** Positive / negative sentence pair per finding (CT-CLIP style "X is present." / "X is not present."). */
export function zeroShotPromptPair(name: FindingName): { positive: string; negative: string } {
  const phrase = ZERO_SHOT_PROMPTS[name];
  const sentence = phrase.charAt(0).toUpperCase() + phrase.slice(1);
  return { positive: `${sentence} is present.`, negative: `${sentence} is not present.` };
}

export function findingsOfRegion(region: PhantomRegion): readonly FindingName[] {
  return region === 'abdomen' ? ABDOMEN_FINDINGS : CHEST_FINDINGS;
}
