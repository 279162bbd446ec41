/**
 * --run RUN|base and --adapter NAME: what an evaluation or a Grad-CAM runs on. Neither: undefined,
 * and the service uses the project's active adapter (`ctvlm adapter activate`), else the base model.
 */
import type { ModelSource } from '../../shared/api/evaluation-schemas';
import { UserError } from '../../shared/errors';

export function modelSourceOf(options: { run?: string; adapter?: string }): ModelSource | undefined {
  if (options.adapter !== undefined && options.run !== undefined) {
    throw new UserError('INVALID_INPUT', 'Give either --run or --adapter, not both.');
  }
  if (options.adapter !== undefined) return { kind: 'adapter', adapter: options.adapter };
  if (options.run === undefined) return undefined;
  if (options.run === 'base') return { kind: 'base' };
  return { kind: 'run', run: options.run };
}

/** The `source` field of a request: absent when no model was named on the command line. */
export function sourceField(options: { run?: string; adapter?: string }): { source?: ModelSource } {
  const source = modelSourceOf(options);
  return source ? { source } : {};
}

/** A whole number ≥ min from a command-line option. */
export function wholeNumber(name: string, value: string, min = 0): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) {
    throw new UserError('INVALID_INPUT', `${name} must be a whole number ≥ ${min}, not "${value}".`);
  }
  return number;
}
