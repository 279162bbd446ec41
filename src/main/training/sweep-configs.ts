/**
 * A sweep's run configs: `base` overlaid with each entry of `runs` (plain objects merge key by
 * key), then, with `grid`, every combination of the grid's values (dotted keys reach into
 * objects). Each result is parsed as a full run config, so a sweep with one bad entry is refused
 * whole before anything runs.
 */
import { SweepConfigSchema, type RunConfig } from '../../shared/api/run-schemas';
import { UserError } from '../../shared/errors';
import { parseRunConfig } from './train-run-job';

type Json = Record<string, unknown>;

export function expandSweep(input: unknown): { name: string | null; configs: RunConfig[] } {
  const parsed = SweepConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new UserError(
      'RUN_CONFIG_INVALID',
      `The sweep config is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ')}.`,
    );
  }
  const sweep = parsed.data;
  const listed = sweep.runs && sweep.runs.length > 0 ? sweep.runs.map((run) => merge(sweep.base, run)) : [sweep.base];
  const combos = gridCombinations(sweep.grid ?? {});
  const raw = listed.flatMap((config) => combos.map((combo) => withDotted(config, combo)));
  const configs = raw.map((config, i) => {
    try {
      return parseRunConfig(config);
    } catch (error) {
      if (error instanceof UserError) throw new UserError(error.code, `Sweep run ${i + 1}: ${error.message}`);
      throw error;
    }
  });
  return { name: sweep.name ?? null, configs };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const previous = out[key];
    out[key] = isObject(previous) && isObject(value) ? merge(previous, value) : value;
  }
  return out;
}

function gridCombinations(grid: Record<string, unknown[]>): Array<Array<[string, unknown]>> {
  let combos: Array<Array<[string, unknown]>> = [[]];
  for (const [key, values] of Object.entries(grid)) {
    combos = combos.flatMap((combo) => values.map((value) => [...combo, [key, value] as [string, unknown]]));
  }
  return combos;
}

function withDotted(config: Json, assignments: ReadonlyArray<[string, unknown]>): Json {
  let out = config;
  for (const [key, value] of assignments) {
    const parts = key.split('.');
    const nested = parts.reduceRight<unknown>((inner, part) => ({ [part]: inner }), value);
    out = merge(out, nested as Json);
  }
  return out;
}
