/**
 * Splits extracted text into sentences: line by line (reports put one organ or one numbered
 * impression per line), then by the platform's Unicode sentence segmenter (Intl.Segmenter,
 * which keeps decimals like "3.2 cm" whole). List markers are dropped; a fragment such as
 * "Dr." that the segmenter cut off is joined to the sentence after it.
 */
const LIST_MARKER = /^\s*(?:\d{1,2}[.)]|[-•*–])\s+/;
const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(LIST_MARKER, '').trim();
    if (!line) continue;
    let carry = '';
    for (const { segment } of segmenter.segment(line)) {
      const piece = `${carry}${segment}`;
      if (isFragment(segment)) {
        carry = piece;
        continue;
      }
      carry = '';
      if (/[\p{L}\p{N}]/u.test(piece)) sentences.push(piece.trim());
    }
    if (carry.trim() && /[\p{L}\p{N}]/u.test(carry)) sentences.push(carry.trim());
  }
  return sentences;
}

/** "Dr. ", "approx. ", "St. ": a short segment ending in a full stop, cut off from what follows. */
function isFragment(segment: string): boolean {
  const trimmed = segment.trim();
  return trimmed.length <= 7 && /^[A-Za-z]+\.$/.test(trimmed);
}
