/** The models a Grad-CAM can explain, as select options: base, an adapter, or a run's checkpoint. */
import type { AdapterRow } from '@shared/api/adapter-schemas';
import type { ModelSource } from '@shared/api/evaluation-schemas';
import type { RunSummary } from '@shared/api/run-schemas';

export interface ModelChoice {
  value: string;
  label: string;
  source: ModelSource;
}

export function modelChoices(adapters: readonly AdapterRow[], runs: readonly RunSummary[]): ModelChoice[] {
  return [
    { value: 'base', label: 'Base model', source: { kind: 'base' } },
    ...adapters.map((adapter) => ({
      value: `adapter:${adapter.id}`,
      label: `Adapter ${adapter.name}${adapter.active ? ' (active)' : ''}`,
      source: { kind: 'adapter', adapter: String(adapter.id) } as const,
    })),
    ...runs
      .filter((run) => run.epochsDone > 0)
      .map((run) => ({
        value: `run:${run.id}`,
        label: `Run ${run.name} (${run.bestEpoch !== null ? 'best' : 'last'} checkpoint)`,
        source: { kind: 'run', run: String(run.id) } as const,
      })),
  ];
}

/** The default: the project's active adapter when it has one, else the base model. */
export function defaultModelChoice(adapters: readonly AdapterRow[]): string {
  const active = adapters.find((adapter) => adapter.active);
  return active ? `adapter:${active.id}` : 'base';
}
