/**
 * The narrow bridge every transport implements: the Electron preload, the web-mode client
 * and in-process callers (CLI, tests). Untyped on purpose; `createApiClient` adds the types.
 */
import type { Envelope } from './envelope';

export interface ApiBridge {
  invoke(route: string, input: unknown): Promise<Envelope<unknown>>;
  /** Subscribe to one event; returns the function that unsubscribes. */
  on(event: string, listener: (payload: unknown) => void): () => void;
}
