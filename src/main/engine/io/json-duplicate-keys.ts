/**
 * JSON.parse keeps the last of two equal keys without a word. A safetensors header with a
 * duplicate tensor name is ambiguous (two readers may pick different tensors), so we look for
 * duplicates ourselves. Call this only on text that JSON.parse has accepted.
 */

type Frame = { kind: 'object'; keys: Set<string>; expectKey: boolean } | { kind: 'array' };

/** The first key that appears twice in one object, or undefined. */
export function findDuplicateKey(validJson: string): string | undefined {
  const stack: Frame[] = [];
  let i = 0;
  while (i < validJson.length) {
    const char = validJson[i];
    const top = stack[stack.length - 1];
    if (char === '"') {
      const start = i;
      i++;
      while (i < validJson.length && validJson[i] !== '"') i += validJson[i] === '\\' ? 2 : 1;
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(validJson.slice(start, i + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
    } else if (char === '{') {
      stack.push({ kind: 'object', keys: new Set(), expectKey: true });
    } else if (char === '[') {
      stack.push({ kind: 'array' });
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',' && top?.kind === 'object') {
      top.expectKey = true;
    }
    i++;
  }
  return undefined;
}
