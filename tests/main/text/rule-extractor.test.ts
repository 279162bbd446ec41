import { describe, expect, it } from 'vitest';
import { planCohort } from '../../../src/main/phantoms/plan-cohort';
import { writePhantomReport } from '../../../src/main/phantoms/write-phantom-report';
import { decompose, extractWithRules } from '../../../src/main/text/extraction/rule-extractor';
import { sentenceDrafts } from '../../../src/main/text/extraction/sentence-drafts';

describe('the rule-based extractor', () => {
  it('reads American headers, leaves out the technique, and sorts organ lines', () => {
    const report = `CLINICAL INFORMATION: Cirrhosis.
TECHNIQUE: Portal venous phase.
FINDINGS:
LIVER: 3.2 cm lesion in segment 7.
GALLBLADDER: Normal.
Urinary bladder is unremarkable.
IMPRESSION:
1. Liver lesion.`;
    const result = extractWithRules(report);
    expect(result.sections).toEqual({
      clinical_information: 'Cirrhosis.',
      findings: 'LIVER: 3.2 cm lesion in segment 7.\nGALLBLADDER: Normal.\nUrinary bladder is unremarkable.',
      impression: '1. Liver lesion.',
    });
    expect(result.anatomy).toEqual({
      liver: ['3.2 cm lesion in segment 7.', 'Liver lesion.'],
      biliary: ['Normal.'],
      pelvis: ['Urinary bladder is unremarkable.'],
    });
  });

  it('reads British headers in either case, headers alone on a line, and no headers at all', () => {
    expect(
      extractWithRules('Clinical details: ?mass\n\nReport: Liver normal.\n\nOpinion: Normal study.').sections,
    ).toEqual({
      clinical_information: '?mass',
      findings: 'Liver normal.',
      impression: 'Normal study.',
    });
    expect(
      extractWithRules('HISTORY\nPain.\nOBSERVATIONS\nNo hepatic or splenic lesion.\nCONCLUSION\nNormal.').sections,
    ).toEqual({
      clinical_information: 'Pain.',
      findings: 'No hepatic or splenic lesion.',
      impression: 'Normal.',
    });
    expect(extractWithRules('The liver is normal. No ascites.\n').sections).toEqual({
      clinical_information: '',
      findings: 'The liver is normal. No ascites.',
      impression: '',
    });
  });

  it('puts a sentence about two organ systems under both, once each', () => {
    expect(decompose('No hepatic or splenic lesion. No hepatic or splenic lesion.')).toEqual({
      liver: ['No hepatic or splenic lesion.'],
      spleen: ['No hepatic or splenic lesion.'],
    });
  });

  it('cuts everything from the report: every sentence of 300 phantom reports is grounded', () => {
    const plans = [
      ...planCohort({ region: 'abdomen', count: 150, seed: 3, scanner: 'source' }),
      ...planCohort({ region: 'abdomen', count: 150, seed: 4, scanner: 'second' }),
    ];
    let sentences = 0;
    let withFindings = 0;
    for (const plan of plans) {
      const report = writePhantomReport(plan);
      const extracted = extractWithRules(report);
      if (extracted.sections.findings) withFindings += 1;
      const drafts = sentenceDrafts(report, extracted);
      sentences += drafts.length;
      const ungrounded = drafts.filter((draft) => !draft.grounded);
      expect(ungrounded, report).toEqual([]);
      for (const draft of drafts) expect(draft.start).not.toBeNull();
    }
    expect(withFindings).toBe(plans.length);
    expect(sentences).toBeGreaterThan(plans.length * 4);
  });
});
