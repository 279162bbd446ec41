import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../../../../src/main/engine/io/json-duplicate-keys';

describe('findDuplicateKey', () => {
  it('finds a key repeated in one object, at any depth, after unescaping', () => {
    expect(findDuplicateKey('{"a":1,"a":2}')).toBe('a');
    expect(findDuplicateKey('{"x":{"b":[1,{"c":1,"c":2}]}}')).toBe('c');
    expect(findDuplicateKey('{"\\u0061":1,"a":2}')).toBe('a');
  });

  it('does not confuse values, strings with quotes or braces, or keys in sibling objects', () => {
    expect(findDuplicateKey('{"a":"a","b":{"a":1},"c":[{"a":1},{"a":2}]}')).toBeUndefined();
    expect(findDuplicateKey('{"k\\"{":"}\\\\","k":"\\"a\\":"}')).toBeUndefined();
  });
});
