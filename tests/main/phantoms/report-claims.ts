/**
 * A small, independent keyword + negation reader for the phantom reports, written with the
 * templates' own vocabulary: for each finding, is it stated affirmatively somewhere, and is it
 * negated (or called normal) somewhere? A mention is negated when a negation cue appears in its
 * clause before the end of the mention ("No focal liver lesion", "Spleen not enlarged").
 */
import type { FindingName } from '../../../src/main/phantoms';

export interface Claims {
  affirmed: Set<FindingName>;
  negated: Set<FindingName>;
}

const MENTIONS: Record<FindingName, RegExp> = {
  liver_mass: /\b(mass|lesion|tumou?r|hcc|hepatocellular carcinoma|neoplasm)\b/gi,
  liver_cyst: /\bcysts?\b/gi,
  steatosis: /\b(steatosis|steatotic|fatty)\b/gi,
  splenomegaly: /\bsplenomegaly\b|\benlarged spleen\b|\bspleen\b[^;:\n]*?\benlarg\w*/gi,
  ascites: /\bascites\b|\bfree fluid\b|\bintraperitoneal fluid\b/gi,
  lung_nodule: /\bnodules?\b/gi,
  pleural_effusion: /\beffusions?\b|\bpleural fluid\b/gi,
  cardiomegaly:
    /\bcardiomegaly\b|\bcardiac enlargement\b|\benlarged (heart|cardiac silhouette)\b|\b(heart|cardiac silhouette)\b[^;:\n]*?\benlarg\w*/gi,
  emphysema: /\bemphysema\w*/gi,
};

/** Statements of normality that deny a finding without a negation word. */
const NORMAL_STATEMENTS: Partial<Record<FindingName, RegExp>> = {
  steatosis: /\bnormal (in )?(size and )?attenuation\b|\bnormal liver\b|\bliver normal\b/i,
  splenomegaly: /\bspleen\b[^;:\n]*\bnormal\b|\bnormal-sized spleen\b/i,
  cardiomegaly: /\bheart size (is )?normal\b|\bnormal heart size\b|\bheart is normal in size\b/i,
};

const NEGATION = /\b(no|not|without|negative for|absence of|free of|nor)\b/i;

/** Clauses: split at sentence ends (a period before a space), semicolons, colons and line breaks. */
export function clauses(report: string): string[] {
  return report
    .split(/\.(?=\s|$)|[;:\n]/)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

export function readClaims(report: string, findings: readonly FindingName[]): Claims {
  const affirmed = new Set<FindingName>();
  const negated = new Set<FindingName>();
  for (const raw of clauses(report)) {
    // A pericardial effusion is another finding than a pleural one.
    const clause = raw.replace(/pericardial effusion/gi, 'pericardial collection');
    for (const name of findings) {
      for (const match of clause.matchAll(MENTIONS[name])) {
        const upToEnd = clause.slice(0, (match.index ?? 0) + match[0].length);
        if (NEGATION.test(upToEnd)) negated.add(name);
        else affirmed.add(name);
      }
      if (NORMAL_STATEMENTS[name]?.test(clause)) negated.add(name);
    }
  }
  return { affirmed, negated };
}
