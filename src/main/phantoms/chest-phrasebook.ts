/**
 * The shape of a chest reporting style: sentences per finding when present, negations when
 * absent, normal statements about other structures, impression lines. Hedged wording is only
 * used for findings that are present; negations only for findings that are absent.
 */
import type {
  CardiomegalyFinding,
  EmphysemaFinding,
  LungNoduleFinding,
  PleuralEffusionFinding,
} from './chest-plan-types';
import type { OtherStructure, Pick } from './report-text';

type Phrase<F> = (finding: F, pick: Pick) => string;

export interface ChestPhrasebook {
  indications: ReadonlyArray<(patient: string) => string>;
  techniques: readonly string[];
  nodule: ReadonlyArray<Phrase<LungNoduleFinding>>;
  noNodule: readonly string[];
  effusion: ReadonlyArray<Phrase<PleuralEffusionFinding>>;
  noEffusion: readonly string[];
  cardiomegaly: ReadonlyArray<Phrase<CardiomegalyFinding>>;
  noCardiomegaly: readonly string[];
  emphysema: ReadonlyArray<Phrase<EmphysemaFinding>>;
  noEmphysema: readonly string[];
  /** `topic`: skip the statement when another one already covers it (e.g. "lymphadenopathy"). */
  otherStructures: ReadonlyArray<OtherStructure>;
  impression: {
    nodule: ReadonlyArray<Phrase<LungNoduleFinding>>;
    effusion: ReadonlyArray<Phrase<PleuralEffusionFinding>>;
    cardiomegaly: ReadonlyArray<Phrase<CardiomegalyFinding>>;
    emphysema: ReadonlyArray<Phrase<EmphysemaFinding>>;
    normal: readonly string[];
  };
}
