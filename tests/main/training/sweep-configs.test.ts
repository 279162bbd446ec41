import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../../src/shared/api/run-schemas';
import { UserError } from '../../../src/shared/errors';
import { expandSweep } from '../../../src/main/training/sweep-configs';

function refusal(input: unknown): UserError {
  try {
    expandSweep(input);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected the sweep to be refused');
}

describe('expandSweep', () => {
  it('expands a 2×2 grid into the 4 combinations, dotted keys reaching into objects', () => {
    const { name, configs } = expandSweep({
      name: 'methods × temperatures',
      base: { epochs: 2, temperature: { learnable: false }, optimizer: { learningRate: 1e-3 } },
      grid: { method: ['peft', 'full'], 'temperature.init': [0.07, 1] },
    });
    expect(name).toBe('methods × temperatures');
    expect(configs.map((config) => [config.method, config.temperature.init])).toEqual([
      ['peft', 0.07],
      ['peft', 1],
      ['full', 0.07],
      ['full', 1],
    ]);
    for (const config of configs) {
      // The dotted key set one field of `temperature`; the base's other field stays.
      expect(config.temperature.learnable).toBe(false);
      expect(config.epochs).toBe(2);
      expect(config.optimizer.learningRate).toBe(1e-3);
      // Everything else is the schema's default: each result is a full run config.
      expect(config).toEqual(
        RunConfigSchema.parse({
          epochs: 2,
          method: config.method,
          temperature: { init: config.temperature.init, learnable: false },
          optimizer: { learningRate: 1e-3 },
        }),
      );
    }
  });

  it('merges each runs entry over the base, objects key by key, lists and values replaced', () => {
    const { name, configs } = expandSweep({
      base: {
        batchSize: 4,
        optimizer: { learningRate: 1e-3, weightDecay: 0.05 },
        textLora: { rank: 8, alpha: 16, dropout: 0.1, targets: ['query', 'key', 'value'] },
      },
      runs: [
        { name: 'low-lr', optimizer: { learningRate: 1e-4 } },
        { name: 'values-only', textLora: { targets: ['value'] }, batchSize: 8 },
        {},
      ],
    });
    expect(name).toBeNull();
    expect(configs).toHaveLength(3);
    const [lowLr, valuesOnly, plain] = configs;
    expect(lowLr!.name).toBe('low-lr');
    expect(lowLr!.optimizer).toMatchObject({ learningRate: 1e-4, weightDecay: 0.05 });
    expect(lowLr!.batchSize).toBe(4);
    expect(lowLr!.textLora).toEqual({ rank: 8, alpha: 16, dropout: 0.1, targets: ['query', 'key', 'value'] });
    expect(valuesOnly!.textLora).toEqual({ rank: 8, alpha: 16, dropout: 0.1, targets: ['value'] });
    expect(valuesOnly!.batchSize).toBe(8);
    expect(valuesOnly!.optimizer).toMatchObject({ learningRate: 1e-3, weightDecay: 0.05 });
    expect(plain!.name).toBeUndefined();
    expect(plain!.optimizer.learningRate).toBe(1e-3);
  });

  it('combines runs with a grid: every entry with every combination', () => {
    const { configs } = expandSweep({
      base: { epochs: 1 },
      runs: [{ method: 'peft' }, { method: 'projections' }],
      grid: { 'temperature.init': [0.07, 0.5, 1] },
    });
    expect(configs.map((config) => `${config.method}@${config.temperature.init}`)).toEqual([
      'peft@0.07',
      'peft@0.5',
      'peft@1',
      'projections@0.07',
      'projections@0.5',
      'projections@1',
    ]);
    expect(configs.every((config) => config.temperature.learnable && config.epochs === 1)).toBe(true);
  });

  it('refuses the whole sweep when one entry is bad, naming the entry and the problem', () => {
    const bad = refusal({ base: { epochs: 1 }, runs: [{ method: 'peft' }, { batchSize: 1 }, { method: 'full' }] });
    expect(bad.code).toBe('RUN_CONFIG_INVALID');
    expect(bad.message).toMatch(/^Sweep run 2: /);
    expect(bad.message).toMatch(/batchSize: batchSize must be at least 2/);

    const unknownMethod = refusal({ grid: { method: ['peft', 'lora-everything'] } });
    expect(unknownMethod.message).toMatch(/^Sweep run 2: .*Unknown method "lora-everything"/);

    const badNested = refusal({ runs: [{ optimizer: { learningRate: 0.5, momentum: 0.9 } }] });
    expect(badNested.message).toMatch(/^Sweep run 1: .*optimizer/);
  });

  it('refuses a sweep with neither runs nor grid, or with empty ones', () => {
    for (const input of [{}, { base: { epochs: 1 } }, { runs: [] }, { grid: {} }, { runs: [], grid: {} }]) {
      const error = refusal(input);
      expect(error.code, JSON.stringify(input)).toBe('RUN_CONFIG_INVALID');
      expect(error.message, JSON.stringify(input)).toMatch(/a sweep needs "runs" .* or "grid"/);
    }
    const emptyValues = refusal({ grid: { method: [] } });
    expect(emptyValues.message).toMatch(/grid\.method/);
    const unknownKey = refusal({ runs: [{}], repeat: 3 });
    expect(unknownKey.message).toMatch(/repeat/);
  });
});
