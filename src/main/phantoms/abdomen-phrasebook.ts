/**
 * The shape of an abdominal reporting style: the sentences it uses for each finding when
 * present, the ways it negates it when absent, normal statements about other organs, and
 * impression lines. Hedged wording ("possible", "probable", "?") is only ever used for findings
 * that ARE present; negations only for findings that are absent.
 */
import type {
  AscitesFinding,
  LiverCystFinding,
  LiverMassFinding,
  SplenomegalyFinding,
  SteatosisFinding,
} from './abdomen-plan-types';
import type { OtherStructure, Pick } from './report-text';

/** Measured attenuations a sentence may quote (what the study's scanner shows, offset included). */
export interface MeasuredHu {
  liver: number;
  spleen: number;
}

type Phrase<F> = (finding: F, measured: MeasuredHu, pick: Pick) => string;

export interface AbdomenPhrasebook {
  /** Indication lines; `patient` is e.g. "68-year-old man". */
  indications: ReadonlyArray<(patient: string) => string>;
  techniques: readonly string[];
  liverNormal: readonly string[];
  steatosis: ReadonlyArray<Phrase<SteatosisFinding>>;
  noSteatosis: readonly string[];
  mass: ReadonlyArray<Phrase<LiverMassFinding>>;
  /** Negations of a mass when the liver has no lesion at all. */
  noMass: readonly string[];
  /** Negations of a mass that stay true when there is a cyst. */
  noMassButCyst: readonly string[];
  cyst: ReadonlyArray<Phrase<LiverCystFinding>>;
  /** Hedged wording for cysts under 2 cm (still an affirmative mention). */
  smallCyst: ReadonlyArray<Phrase<LiverCystFinding>>;
  noCyst: readonly string[];
  splenomegaly: ReadonlyArray<Phrase<SplenomegalyFinding>>;
  normalSpleen: ReadonlyArray<(lengthCm: number) => string>;
  ascites: ReadonlyArray<Phrase<AscitesFinding>>;
  noAscites: readonly string[];
  /** Normal statements about organs without a finding in this catalogue. */
  /** `topic`: skip the statement when another one already covers it (e.g. "lymphadenopathy"). */
  otherOrgans: ReadonlyArray<OtherStructure>;
  impression: {
    mass: ReadonlyArray<Phrase<LiverMassFinding>>;
    cyst: ReadonlyArray<Phrase<LiverCystFinding>>;
    steatosis: ReadonlyArray<Phrase<SteatosisFinding>>;
    splenomegaly: ReadonlyArray<Phrase<SplenomegalyFinding>>;
    ascites: ReadonlyArray<Phrase<AscitesFinding>>;
    /** Reassurance when there is no mass (true whether or not there is a cyst). */
    noMass: readonly string[];
    normal: readonly string[];
  };
}
