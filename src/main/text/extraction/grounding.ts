/**
 * Grounding: is an extracted sentence in the source report? Both are reduced to tokens
 * (Unicode NFKC, lower case, letters and digits; "3.2" stays one token), then the sentence is
 * aligned to the best-matching stretch of the report (semi-global edit distance over tokens:
 * the match may start and end anywhere in the report). A token that differs by a letter or
 * two (plural, British spelling) costs half; a word the sentence adds or drops costs one; a
 * number the sentence changes or adds is never tolerated. A sentence is grounded when the
 * cost stays within about one word in eight. The match's
 * character offsets let the UI highlight the span.
 *
 * Written here because no maintained library does approximate substring search over words
 * with offsets: fuzzy-search libraries use bitap (patterns of at most 32 characters) or
 * compare whole strings.
 */
import { distance } from 'fastest-levenshtein';

export interface Token {
  text: string;
  start: number;
  end: number;
}

export interface Grounding {
  grounded: boolean;
  /** Character offsets of the best match in the source; null when not grounded. */
  start: number | null;
  end: number | null;
  /** Edit cost of the best match (0 = verbatim after normalisation). */
  cost: number;
}

const TOKEN = /[\p{L}\p{N}]+(?:[.,]\p{N}+)*/gu;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index;
    tokens.push({ text: match[0].normalize('NFKC').toLowerCase(), start, end: start + match[0].length });
  }
  return tokens;
}

/** The cost allowed for a sentence of `length` tokens. */
export function allowedCost(length: number): number {
  return Math.max(0.5, length / 8);
}

/**
 * The best match of `sentence` in the source. Among equally good matches the first that starts
 * at or after `after` (a character offset) wins, so a sentence the report says twice is found
 * where its section is.
 */
export function groundSentence(sentence: string, source: string, sourceTokens: readonly Token[], after = 0): Grounding {
  const pattern = tokenize(sentence).map((token) => token.text);
  const m = pattern.length;
  const n = sourceTokens.length;
  if (m === 0 || n === 0) return { grounded: false, start: null, end: null, cost: Infinity };
  // previous/current rows of the cost matrix and of the source index where each path started.
  let previousCost = new Float64Array(n + 1);
  let previousStart = new Int32Array(n + 1);
  let cost = new Float64Array(n + 1);
  let start = new Int32Array(n + 1);
  for (let j = 0; j <= n; j += 1) previousStart[j] = j;
  for (let i = 1; i <= m; i += 1) {
    cost[0] = i;
    start[0] = 0;
    const word = pattern[i - 1]!;
    const addCost = NUMBER.test(word) ? NUMBER_CHANGED : 1;
    for (let j = 1; j <= n; j += 1) {
      const diagonal = previousCost[j - 1]! + substitution(word, sourceTokens[j - 1]!.text);
      const added = previousCost[j]! + addCost; // a word in the sentence that the source does not have
      const dropped = cost[j - 1]! + 1; // a source word the sentence leaves out
      if (diagonal <= added && diagonal <= dropped) {
        cost[j] = diagonal;
        start[j] = previousStart[j - 1]!;
      } else if (added <= dropped) {
        cost[j] = added;
        start[j] = previousStart[j]!;
      } else {
        cost[j] = dropped;
        start[j] = start[j - 1]!;
      }
    }
    [previousCost, cost] = [cost, previousCost];
    [previousStart, start] = [start, previousStart];
  }
  let bestCost = Infinity;
  for (let j = 1; j <= n; j += 1) bestCost = Math.min(bestCost, previousCost[j]!);
  if (bestCost > allowedCost(m)) return { grounded: false, start: null, end: null, cost: bestCost };
  let best = -1;
  for (let j = 1; j <= n; j += 1) {
    if (previousCost[j] !== bestCost) continue;
    const startsAfter = sourceTokens[Math.min(previousStart[j]!, j - 1)]!.start >= after;
    if (best === -1 || (startsAfter && sourceTokens[Math.min(previousStart[best]!, best - 1)]!.start < after)) best = j;
    if (startsAfter) break;
  }
  const first = Math.min(previousStart[best]!, best - 1);
  let end = sourceTokens[best - 1]!.end;
  while (end < source.length && '.;:!?)%'.includes(source[end]!)) end += 1;
  return { grounded: true, start: sourceTokens[first]!.start, end, cost: bestCost };
}

/** A measurement, segment or count the sentence states differently (or adds) is never tolerated. */
const NUMBER = /\d/;
const NUMBER_CHANGED = 1000;

function substitution(a: string, b: string): number {
  if (a === b) return 0;
  if (NUMBER.test(a)) return NUMBER_CHANGED;
  const shorter = Math.min(a.length, b.length);
  if (shorter < 4 || NUMBER.test(b)) return 1;
  return distance(a, b) <= (shorter >= 8 ? 2 : 1) ? 0.5 : 1;
}
