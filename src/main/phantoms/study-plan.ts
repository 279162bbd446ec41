/** A planned phantom study: who, which scanner, the anatomy, the findings and the eval-only labels. */
import type {
  AbdomenAnatomy,
  AbdomenFinding,
  AscitesFinding,
  LiverCystFinding,
  LiverMassFinding,
  SplenomegalyFinding,
  SteatosisFinding,
} from './abdomen-plan-types';
import type {
  CardiomegalyFinding,
  ChestAnatomy,
  ChestFinding,
  EmphysemaFinding,
  LungNoduleFinding,
  PleuralEffusionFinding,
} from './chest-plan-types';
import type { AbdomenLabels, ChestLabels, FindingName, PhantomRegion, ScannerName } from './phantom-findings';
import type { AcquisitionParams } from './scanner-profiles';

interface StudyPlanBase {
  studyUid: string;
  patientId: string;
  /** Seeds the image noise and the report wording; the anatomy is already in the plan. */
  seed: number;
  scanner: ScannerName;
  acquisition: AcquisitionParams;
  patient: { sex: 'female' | 'male'; ageYears: number };
}

export interface AbdomenStudyPlan extends StudyPlanBase {
  region: 'abdomen';
  anatomy: AbdomenAnatomy;
  /** Only the findings that are present. */
  findings: AbdomenFinding[];
  /** Evaluation only: never a training signal. */
  labels: AbdomenLabels;
}

export interface ChestStudyPlan extends StudyPlanBase {
  region: 'chest';
  anatomy: ChestAnatomy;
  findings: ChestFinding[];
  labels: ChestLabels;
}

export type PhantomStudyPlan = AbdomenStudyPlan | ChestStudyPlan;

export type StudyPlanOf<R extends PhantomRegion> = R extends 'abdomen' ? AbdomenStudyPlan : ChestStudyPlan;

export interface FindingByName {
  liver_mass: LiverMassFinding;
  liver_cyst: LiverCystFinding;
  steatosis: SteatosisFinding;
  splenomegaly: SplenomegalyFinding;
  ascites: AscitesFinding;
  lung_nodule: LungNoduleFinding;
  pleural_effusion: PleuralEffusionFinding;
  cardiomegaly: CardiomegalyFinding;
  emphysema: EmphysemaFinding;
}

/** The finding of that name in the plan, or undefined when the study does not have it. */
export function findingOf<N extends FindingName>(plan: PhantomStudyPlan, name: N): FindingByName[N] | undefined {
  const findings: ReadonlyArray<AbdomenFinding | ChestFinding> = plan.findings;
  return findings.find((finding): finding is FindingByName[N] => finding.name === name);
}
