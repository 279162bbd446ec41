import { describe, expect, it } from 'vitest';
import { groundSentence, tokenize } from '../../../src/main/text/extraction/grounding';
import { splitSentences } from '../../../src/main/text/extraction/sentences';

const REPORT = `CLINICAL INFORMATION: Cirrhosis, rising AFP.
FINDINGS:
LIVER: 3.2 cm arterially enhancing lesion in segment 7 with washout. Nodular contour.
The oesophagus is unremarkable. No ascites.
IMPRESSION:
1. 3.2 cm liver lesion, LI-RADS 5.
2. No ascites.`;

const tokens = tokenize(REPORT);
const ground = (sentence: string, after = 0) => groundSentence(sentence, REPORT, tokens, after);

describe('grounding an extracted sentence in its report', () => {
  it('finds a verbatim sentence and returns its span in the source', () => {
    const found = ground('3.2 cm arterially enhancing lesion in segment 7 with washout.');
    expect(found).toMatchObject({ grounded: true, cost: 0 });
    expect(REPORT.slice(found.start!, found.end!)).toBe(
      '3.2 cm arterially enhancing lesion in segment 7 with washout.',
    );
  });

  it('ignores case, punctuation, list numbers and spacing', () => {
    const found = ground('3.2 CM LIVER LESION LI-RADS 5');
    expect(found.grounded).toBe(true);
    expect(REPORT.slice(found.start!, found.end!)).toBe('3.2 cm liver lesion, LI-RADS 5.');
  });

  it('tolerates a spelling variant or one dropped word in a long sentence, not a changed number', () => {
    expect(ground('The esophagus is unremarkable.').grounded).toBe(true);
    expect(ground('3.2 cm enhancing lesion in segment 7 with washout.').grounded).toBe(true);
    expect(ground('4.2 cm arterially enhancing lesion in segment 7 with washout.').grounded).toBe(false);
    expect(ground('3.2 cm arterially enhancing lesion in segment 6 with washout.').grounded).toBe(false);
  });

  it('flags invented text', () => {
    expect(ground('Incidental 9 mm renal calculus.')).toMatchObject({ grounded: false, start: null, end: null });
    expect(ground('No ascites or pleural effusion.').grounded).toBe(false);
    expect(ground('The spleen is normal.').grounded).toBe(false);
  });

  it('finds a sentence the report says twice where its section is', () => {
    const first = ground('No ascites.');
    const impression = REPORT.indexOf('IMPRESSION');
    const second = ground('No ascites.', impression);
    expect(first.start).toBeLessThan(impression);
    expect(second.start).toBeGreaterThan(impression);
    expect(REPORT.slice(second.start!, second.end!)).toBe('No ascites.');
  });
});

describe('splitting extracted text into sentences', () => {
  it('splits lines and sentences, drops list markers, keeps decimals and abbreviations whole', () => {
    expect(
      splitSentences('1. A 3.2 cm lesion, approx. 2 cm from the capsule. Dr. Smith agreed.\n- No ascites.\n\n  '),
    ).toEqual(['A 3.2 cm lesion, approx. 2 cm from the capsule.', 'Dr. Smith agreed.', 'No ascites.']);
    expect(splitSentences('')).toEqual([]);
  });
});
