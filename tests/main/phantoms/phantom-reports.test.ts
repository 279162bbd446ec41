import { describe, expect, it } from 'vitest';
import {
  findingOf,
  findingsOfRegion,
  planCohort,
  type PhantomRegion,
  type ScannerName,
  writePhantomReport,
} from '../../../src/main/phantoms';
import { segmentNumber } from '../../../src/main/phantoms/liver-segments';
import { lobeAbbreviation } from '../../../src/main/phantoms/lung-lobes';
import { clauses, readClaims } from './report-claims';

const COMBINATIONS: Array<[PhantomRegion, ScannerName]> = [
  ['abdomen', 'source'],
  ['abdomen', 'second'],
  ['chest', 'source'],
  ['chest', 'second'],
];

describe('the report claim reader used by these tests', () => {
  it('tells affirmed from negated mentions', () => {
    const abdomen = findingsOfRegion('abdomen');
    const chest = findingsOfRegion('chest');
    expect(readClaims('No focal liver lesion. Spleen not enlarged.', abdomen)).toEqual({
      affirmed: new Set(),
      negated: new Set(['liver_mass', 'splenomegaly']),
    });
    const mixed = readClaims('Enlarged spleen without focal lesion; 3.2 cm hypodense lesion in segment VII.', abdomen);
    expect([...mixed.affirmed].sort()).toEqual(['liver_mass', 'splenomegaly']);
    expect([...mixed.negated]).toEqual(['liver_mass']);
    expect(readClaims('No pericardial effusion. Heart size is normal.', chest)).toEqual({
      affirmed: new Set(),
      negated: new Set(['cardiomegaly']),
    });
    expect(readClaims('Spleen 13.7 cm - enlarged. ?Small cyst seg 7.', abdomen).affirmed).toEqual(
      new Set(['splenomegaly', 'liver_cyst']),
    );
  });
});

describe('phantom reports', () => {
  it('are deterministic per plan and differ between seeds', () => {
    const [a] = planCohort({ region: 'abdomen', count: 1, seed: 5, scanner: 'source' });
    const [again] = planCohort({ region: 'abdomen', count: 1, seed: 5, scanner: 'source' });
    const [other] = planCohort({ region: 'abdomen', count: 1, seed: 6, scanner: 'source' });
    if (!a || !again || !other) throw new Error('no plans');
    expect(writePhantomReport(again)).toBe(writePhantomReport(a));
    expect(writePhantomReport(other)).not.toBe(writePhantomReport(a));
  });

  it.each(COMBINATIONS)(
    '%s / %s: state every present finding, never state an absent one, never negate a present one',
    (region, scanner) => {
      // Prevalence 0.5 for everything gives every combination of present and absent findings.
      const names = findingsOfRegion(region);
      const prevalence = Object.fromEntries(names.map((name) => [name, 0.5]));
      const plans = planCohort({ region, count: 150, seed: 21, scanner, prevalence });
      for (const plan of plans) {
        const report = writePhantomReport(plan);
        const claims = readClaims(report, names);
        for (const name of names) {
          const present = plan.labels[name as keyof typeof plan.labels] === 1;
          const context = `${plan.studyUid} ${name} (${present ? 'present' : 'absent'}):\n${report}`;
          if (present) {
            expect(claims.affirmed.has(name), context).toBe(true);
            expect(claims.negated.has(name), context).toBe(false);
          } else {
            expect(claims.affirmed.has(name), context).toBe(false);
          }
        }
      }
    },
  );

  it('negate absent findings in several different ways', () => {
    const plans = planCohort({ region: 'abdomen', count: 120, seed: 4, scanner: 'source', prevalence: { ascites: 0 } });
    const negations = new Set<string>();
    for (const plan of plans) {
      for (const clause of clauses(writePhantomReport(plan))) {
        if (/ascites|free fluid/i.test(clause)) negations.add(clause);
      }
    }
    expect(negations.size).toBeGreaterThanOrEqual(5);
    for (const clause of negations) expect(clause).toMatch(/\b(no|negative for)\b/i);
  });

  it('give the liver mass size and segment, and the spleen length, as drawn', () => {
    const plans = planCohort({
      region: 'abdomen',
      count: 60,
      seed: 8,
      scanner: 'source',
      prevalence: { liver_mass: 1, splenomegaly: 0.5 },
    });
    const secondPlans = planCohort({
      region: 'abdomen',
      count: 60,
      seed: 8,
      scanner: 'second',
      prevalence: { liver_mass: 1 },
    });
    for (const plan of plans) {
      const mass = findingOf(plan, 'liver_mass');
      if (!mass) throw new Error('prevalence 1 must give a mass');
      const report = writePhantomReport(plan);
      expect(report).toMatch(new RegExp(`${mass.diameterCm.toFixed(1)}( x \\d+\\.\\d)? cm`));
      expect(report).toMatch(new RegExp(`segment ${mass.segment}\\b`, 'i'));
      // Any length quoted next to the spleen is the length drawn (enlarged or normal).
      const spleenLength = findingOf(plan, 'splenomegaly')?.lengthCm ?? plan.anatomy.spleenLengthCm;
      for (const clause of clauses(report).filter((c) => /spleen|splenomegaly/i.test(c))) {
        for (const quoted of clause.matchAll(/(\d+\.\d) ?cm/g)) expect(quoted[1]).toBe(spleenLength.toFixed(1));
      }
    }
    for (const plan of secondPlans) {
      const mass = findingOf(plan, 'liver_mass');
      if (!mass) throw new Error('prevalence 1 must give a mass');
      const report = writePhantomReport(plan);
      const millimetres = String(Math.round(mass.diameterCm * 10));
      expect(
        report.includes(`${millimetres} mm`) ||
          report.includes(`${millimetres}mm`) ||
          report.includes(`${mass.diameterCm.toFixed(1)} cm`),
      ).toBe(true);
      expect(report).toMatch(new RegExp(`(seg|segment|S) ?${segmentNumber(mass.segment)}\\b`));
    }
  });

  it('give the nodule size and lobe, and the effusion side, as drawn', () => {
    for (const scanner of ['source', 'second'] as const) {
      const plans = planCohort({
        region: 'chest',
        count: 60,
        seed: 9,
        scanner,
        prevalence: { lung_nodule: 1, pleural_effusion: 1 },
      });
      for (const plan of plans) {
        const nodule = findingOf(plan, 'lung_nodule');
        const effusion = findingOf(plan, 'pleural_effusion');
        if (!nodule || !effusion) throw new Error('prevalence 1 must give both findings');
        const report = writePhantomReport(plan);
        expect(report).toMatch(new RegExp(`\\b${nodule.diameterMm} ?mm`));
        expect(report.toLowerCase().includes(nodule.lobe) || report.includes(lobeAbbreviation(nodule.lobe))).toBe(true);
        expect(report.toLowerCase()).toContain(effusion.side);
      }
    }
  });

  it('use several header conventions, sometimes leave sections out, sometimes have no headers', () => {
    const plans = planCohort({ region: 'chest', count: 200, seed: 12, scanner: 'source' });
    const reports = plans.map((plan) => writePhantomReport(plan));
    const findingsHeaders = new Set(reports.flatMap((r) => r.match(/^(FINDINGS|Findings):/gm) ?? []));
    const impressionHeaders = new Set(
      reports.flatMap((r) => r.match(/^(IMPRESSION|Impression|CONCLUSION|Conclusion|SUMMARY|Summary):/gm) ?? []),
    );
    expect(findingsHeaders.size).toBe(2);
    expect(impressionHeaders.size).toBeGreaterThanOrEqual(3);
    const header =
      /^(CLINICAL INFORMATION|Indication|HISTORY|History|TECHNIQUE|Technique|FINDINGS|Findings|IMPRESSION|Impression|CONCLUSION|Conclusion|SUMMARY|Summary):/m;
    expect(reports.filter((r) => !header.test(r)).length).toBeGreaterThan(0);
    const withFindingsHeader = reports.filter((r) => /^(FINDINGS|Findings):/m.test(r));
    expect(withFindingsHeader.some((r) => !/^(CLINICAL INFORMATION|Indication|HISTORY|History):/m.test(r))).toBe(true);
    expect(
      withFindingsHeader.some((r) => !/^(IMPRESSION|Impression|CONCLUSION|Conclusion|SUMMARY|Summary):/m.test(r)),
    ).toBe(true);
    expect(reports.some((r) => /^(LUNGS|Lungs): /m.test(r))).toBe(true);
  });
});
