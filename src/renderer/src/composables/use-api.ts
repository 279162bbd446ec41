import { inject, onBeforeUnmount, type InjectionKey } from 'vue';
import type { ApiClient } from '@shared/api/client';
import type { EventName, EventPayload } from '@shared/api/events';

export const API_KEY: InjectionKey<ApiClient> = Symbol('ctvlm-api');

export function useApi(): ApiClient {
  const api = inject(API_KEY);
  if (!api) throw new Error('The API client was not provided to this component.');
  return api;
}

/** Subscribe to an event for the lifetime of the calling component. */
export function useApiEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): void {
  const off = useApi().on(event, listener);
  onBeforeUnmount(off);
}

/** A person-readable message for anything an API call threw. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
