/**
 * Plans a synthetic cohort: per study an id, a seed, a scanner, a sampled anatomy, the findings
 * drawn into it (each present independently with its prevalence) and the eval-only labels.
 * Pure and deterministic: the same options give the same plans.
 */
import { UserError } from '../../shared/errors';
import { SeededRandom } from '../../shared/seeded-random';
import type { AbdomenFinding } from './abdomen-plan-types';
import type { ChestFinding } from './chest-plan-types';
import {
  type AbdomenFindingName,
  type AbdomenLabels,
  type ChestFindingName,
  type ChestLabels,
  DEFAULT_PREVALENCE,
  type FindingName,
  findingsOfRegion,
  type PhantomRegion,
  type ScannerName,
  ABDOMEN_FINDINGS,
  CHEST_FINDINGS,
} from './phantom-findings';
import { sampleAbdomenAnatomy } from './sample-abdomen-anatomy';
import { sampleAbdomenFindings } from './sample-abdomen-findings';
import { sampleChestAnatomy } from './sample-chest-anatomy';
import { sampleChestFindings } from './sample-chest-findings';
import { type AcquisitionParams, SCANNER_PROFILES } from './scanner-profiles';
import type { AbdomenStudyPlan, ChestStudyPlan, PhantomStudyPlan, StudyPlanOf } from './study-plan';

export interface PlanCohortOptions<R extends PhantomRegion = PhantomRegion> {
  region: R;
  count: number;
  seed: number;
  scanner: ScannerName;
  /** Probability of each finding (0–1); findings not named keep DEFAULT_PREVALENCE. */
  prevalence?: Partial<Record<FindingName, number>>;
  /** Overrides of the scanner's acquisition (e.g. another HU offset for the second scanner). */
  acquisition?: Partial<AcquisitionParams>;
}

const MAX_COUNT = 100_000;

export function planCohort<R extends PhantomRegion>(options: PlanCohortOptions<R>): Array<StudyPlanOf<R>> {
  validate(options);
  const { region, count, seed, scanner } = options;
  const names = findingsOfRegion(region);
  const prevalence = names.map((name) => options.prevalence?.[name] ?? DEFAULT_PREVALENCE[name]);
  const acquisition: AcquisitionParams = { ...SCANNER_PROFILES[scanner].acquisition, ...options.acquisition };
  const presence = new SeededRandom(mixSeed(seed, regionCode(region), scannerCode(scanner), 0x5eed));
  const plans: PhantomStudyPlan[] = [];
  for (let index = 0; index < count; index += 1) {
    const present = new Set(names.filter((_, i) => presence.next() < (prevalence[i] ?? 0)));
    const studySeed = mixSeed(seed, regionCode(region), scannerCode(scanner), index);
    const random = new SeededRandom(studySeed);
    const number = String(index + 1).padStart(4, '0');
    const base = {
      studyUid: `${region === 'abdomen' ? 'abd' : 'chest'}-${scanner === 'source' ? 'src' : 'sec'}-${seed}-${number}`,
      patientId: `${scanner === 'source' ? 'SRC' : 'SEC'}${seed}-${region === 'abdomen' ? 'A' : 'C'}${number}`,
      seed: studySeed,
      scanner,
      acquisition: { ...acquisition },
      patient: { sex: random.pick(['female', 'male'] as const), ageYears: random.int(35, 86) },
    };
    plans.push(
      region === 'abdomen'
        ? planAbdomenStudy(base, random, present as Set<AbdomenFindingName>)
        : planChestStudy(base, random, present as Set<ChestFindingName>),
    );
  }
  return plans as Array<StudyPlanOf<R>>;
}

/** The same patient and anatomy imaged and reported on another scanner (ids unchanged), for paired comparisons. */
export function planOnScanner<P extends PhantomStudyPlan>(
  plan: P,
  scanner: ScannerName,
  acquisition?: Partial<AcquisitionParams>,
): P {
  return { ...plan, scanner, acquisition: { ...SCANNER_PROFILES[scanner].acquisition, ...acquisition } };
}

type PlanBase = Omit<AbdomenStudyPlan, 'region' | 'anatomy' | 'findings' | 'labels'>;

function planAbdomenStudy(base: PlanBase, random: SeededRandom, present: Set<AbdomenFindingName>): AbdomenStudyPlan {
  const anatomy = sampleAbdomenAnatomy(random);
  const findings: AbdomenFinding[] = sampleAbdomenFindings(random, anatomy, present);
  const labels = Object.fromEntries(ABDOMEN_FINDINGS.map((name) => [name, present.has(name) ? 1 : 0])) as AbdomenLabels;
  return { ...base, region: 'abdomen', anatomy, findings, labels };
}

function planChestStudy(base: PlanBase, random: SeededRandom, present: Set<ChestFindingName>): ChestStudyPlan {
  const anatomy = sampleChestAnatomy(random);
  const findings: ChestFinding[] = sampleChestFindings(random, anatomy, present);
  const labels = Object.fromEntries(CHEST_FINDINGS.map((name) => [name, present.has(name) ? 1 : 0])) as ChestLabels;
  return { ...base, region: 'chest', anatomy, findings, labels };
}

function validate(options: PlanCohortOptions): void {
  const fail = (message: string): never => {
    throw new UserError('INVALID_INPUT', message);
  };
  if (options.region !== 'abdomen' && options.region !== 'chest')
    fail(`Unknown phantom region "${String(options.region)}".`);
  if (!(options.scanner in SCANNER_PROFILES))
    fail(`Unknown scanner "${String(options.scanner)}": use "source" or "second".`);
  if (!Number.isInteger(options.count) || options.count < 0 || options.count > MAX_COUNT) {
    fail(`A cohort needs a whole number of studies between 0 and ${MAX_COUNT}; got ${options.count}.`);
  }
  if (!Number.isInteger(options.seed)) fail(`The cohort seed must be a whole number; got ${options.seed}.`);
  const allowed: readonly string[] = findingsOfRegion(options.region);
  for (const [name, value] of Object.entries(options.prevalence ?? {})) {
    if (!allowed.includes(name)) fail(`"${name}" is not a ${options.region} finding (${allowed.join(', ')}).`);
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      fail(`The prevalence of ${name} must be between 0 and 1; got ${String(value)}.`);
    }
  }
}

function regionCode(region: PhantomRegion): number {
  return region === 'abdomen' ? 1 : 2;
}

function scannerCode(scanner: ScannerName): number {
  return scanner === 'source' ? 1 : 2;
}

/** A 32-bit hash of a few integers (murmur3-style mixing), for independent per-study seeds. */
function mixSeed(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const value of values) {
    h = Math.imul(h ^ (value >>> 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h >>> 0;
}
