import { describe, expect, it } from 'vitest';
import { modelSourceOf, sourceField } from '../../src/cli/commands/model-source-option';

describe('--run and --adapter', () => {
  it('names no model when neither is given, so the project’s active adapter (else base) is used', () => {
    expect(modelSourceOf({})).toBeUndefined();
    expect(sourceField({})).toEqual({});
  });

  it('keeps an explicit base, an adapter and a run as given', () => {
    expect(sourceField({ run: 'base' })).toEqual({ source: { kind: 'base' } });
    expect(sourceField({ adapter: 'liver' })).toEqual({ source: { kind: 'adapter', adapter: 'liver' } });
    expect(sourceField({ run: 'peft-1' })).toEqual({ source: { kind: 'run', run: 'peft-1' } });
    expect(() => modelSourceOf({ run: 'base', adapter: 'liver' })).toThrow('Give either --run or --adapter, not both.');
  });
});
