/** What an extractor returns for one report, before it is split into sentences and grounded. */
import type { ReportSection } from '../../../shared/api/extraction-schemas';
import type { OrganSystem } from '../../../shared/organ-systems';

export interface StructuredReport {
  sections: Record<ReportSection, string>;
  /** Organ system -> the sentences about it (absent systems are left out). */
  anatomy: Partial<Record<OrganSystem, string[]>>;
}

export function emptySections(): Record<ReportSection, string> {
  return { clinical_information: '', findings: '', impression: '' };
}
