/** Small text helpers shared by the report phrasebooks and layout. */
import type { SeededRandom } from '../../shared/seeded-random';

/** One statement of the findings section, tagged with the organ it is about (for organ-labelled layouts). */
export interface ReportStatement {
  organ: string;
  text: string;
}

/** What a report says, before it is laid out with a style's headers. */
export interface ReportContent {
  indication: string;
  technique: string;
  findings: ReportStatement[];
  impression: string[];
}

/** Picks one of several wordings (seeded by the report). */
export type Pick = <T>(items: readonly T[]) => T;

/** How much a style says beyond the findings that are present. */
export interface Verbosity {
  /** Probability that an absent finding is explicitly negated. */
  negateAbsent: number;
  /** Probability that each unrelated organ gets a normal statement. */
  mentionOtherOrgan: number;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a", "a and b", "a, b and c". */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** Centimetres with one decimal ("3.2"). */
export function cm(value: number): string {
  return value.toFixed(1);
}

/** Millimetres, whole ("32"). */
export function mm(valueCm: number): string {
  return String(Math.round(valueCm * 10));
}

/** An organ-level statement the report may add about a structure with no finding. */
export interface OtherStructure {
  organ: string;
  variants: readonly string[];
  /** A word that, already present in the findings, makes this statement redundant. */
  topic?: string;
}

/**
 * What both regions' report composers share: seeded choices, and the findings statements in the
 * order they are said, with optional remarks about other structures and sorting by organ.
 */
export class FindingsComposer {
  readonly statements: ReportStatement[] = [];
  readonly pick: Pick;

  constructor(private readonly random: SeededRandom) {
    this.pick = (items) => random.pick(items);
  }

  chance(probability: number): boolean {
    return this.random.next() < probability;
  }

  say(organ: string, text: string): void {
    this.statements.push({ organ, text });
  }

  /** Each structure is mentioned with `probability`, unless the findings already covered its topic. */
  mentionOthers(others: ReadonlyArray<OtherStructure>, probability: number): void {
    for (const other of others) {
      const covered =
        other.topic !== undefined && this.statements.some((s) => s.text.toLowerCase().includes(other.topic ?? ''));
      if (this.chance(probability) && !covered) this.say(other.organ, this.pick(other.variants));
    }
  }

  sortedBy(organOrder: readonly string[]): ReportStatement[] {
    return this.statements.sort((a, b) => organOrder.indexOf(a.organ) - organOrder.indexOf(b.organ));
  }
}
