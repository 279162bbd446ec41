/**
 * Synthetic phantom cohorts: CT volumes (abdomen: liver mass, cyst, steatosis, splenomegaly,
 * ascites; chest: nodule, effusion, cardiomegaly, emphysema), free-text reports, and eval-only
 * labels, from a "source" and a shifted "second" scanner. Plan → render → report, all seeded.
 */
export { planCohort, planOnScanner, type PlanCohortOptions } from './plan-cohort';
export { renderPhantom, renderPhantomWithTissues, type RenderedPhantom } from './render-phantom';
export { writePhantomReport, writePhantomReportWithContent } from './write-phantom-report';
export {
  CONSPICUOUS_LESION_HU,
  conspicuous,
  liverMassOf,
  withConspicuousLiverMass,
  withLiverMass,
  withoutLiverMass,
} from './conspicuous-lesion';
export {
  defaultPhantomGrid,
  SCANNER_PROFILES,
  type AcquisitionParams,
  type ReportStyle,
  type ScannerProfile,
} from './scanner-profiles';
export { gridAffine, type PhantomGrid } from './phantom-grid';
export {
  ABDOMEN_FINDINGS,
  CHEST_FINDINGS,
  DEFAULT_PREVALENCE,
  findingsOfRegion,
  PHANTOM_FINDINGS,
  ZERO_SHOT_PROMPTS,
  zeroShotPromptPair,
  type AbdomenFindingName,
  type AbdomenLabels,
  type ChestFindingName,
  type ChestLabels,
  type FindingName,
  type PhantomRegion,
  type ScannerName,
} from './phantom-findings';
export {
  findingOf,
  type AbdomenStudyPlan,
  type ChestStudyPlan,
  type FindingByName,
  type PhantomStudyPlan,
  type StudyPlanOf,
} from './study-plan';
export { TISSUE, TISSUE_NAMES, type Tissue, type TissueName } from './tissue-labels';
export type { AbdomenFinding, CouinaudSegment } from './abdomen-plan-types';
export type { ChestFinding, LungLobe } from './chest-plan-types';
