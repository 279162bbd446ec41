/**
 * `ctvlm train --gradient-checkpointing` and `--mixed-precision` set their run options; without
 * the flag the config file's value stands, and the schema's default is off.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/cli/commands/train-commands';
import { RunConfigSchema } from '../../src/shared/api/run-schemas';
import { tempDir } from '../helpers/temp-dir';

describe('ctvlm train --gradient-checkpointing', () => {
  it('turns the option on; off by default; a config file can turn it on', () => {
    expect(RunConfigSchema.parse(configFrom({ earlyStopping: true })).gradientCheckpointing).toBe(false);
    const flagged = configFrom({ earlyStopping: true, gradientCheckpointing: true, accumulate: '2' });
    expect(RunConfigSchema.parse(flagged)).toMatchObject({ gradientCheckpointing: true, gradientAccumulation: 2 });
    const file = path.join(tempDir(), 'run.json');
    fs.writeFileSync(file, JSON.stringify({ gradientCheckpointing: true }));
    expect(RunConfigSchema.parse(configFrom({ earlyStopping: true, config: file })).gradientCheckpointing).toBe(true);
    expect(() => RunConfigSchema.parse({ gradientCheckpointing: 'yes' })).toThrow();
  });
});

describe('ctvlm train --mixed-precision', () => {
  it('turns the option on; off by default; a config file can turn it on', () => {
    expect(RunConfigSchema.parse(configFrom({ earlyStopping: true })).mixedPrecision).toBe(false);
    const flagged = configFrom({ earlyStopping: true, mixedPrecision: true, gradientCheckpointing: true });
    expect(RunConfigSchema.parse(flagged)).toMatchObject({ mixedPrecision: true, gradientCheckpointing: true });
    const file = path.join(tempDir(), 'run.json');
    fs.writeFileSync(file, JSON.stringify({ mixedPrecision: true }));
    expect(RunConfigSchema.parse(configFrom({ earlyStopping: true, config: file })).mixedPrecision).toBe(true);
    expect(() => RunConfigSchema.parse({ mixedPrecision: 1 })).toThrow();
  });
});
