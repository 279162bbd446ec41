/**
 * What a compute backend candidate is: a name tfjs knows it by, and a way to load and register it.
 * Candidates never import their heavy packages at module load: `load()` does, so code that does not
 * ask for a backend never loads it.
 */

/** The device a backend runs on, as plain data for the report (JSON-safe). */
export interface BackendDevice {
  /** One line a person can read, e.g. "nvidia ampere (NVIDIA H100)". */
  description: string;
  details: Record<string, string | number | boolean>;
}

export interface LoadedBackend {
  device?: BackendDevice;
  /**
   * Set when the backend works but should not be picked automatically (e.g. a software Vulkan
   * adapter that is slower than wasm). Forcing it still uses it.
   */
  notPreferred?: string;
  /** Frees what `load()` acquired (GPU device, registration). Safe to call twice. */
  dispose(): Promise<void>;
}

export interface BackendCandidate {
  /** The name tfjs registers the backend under (tf.setBackend(name)). */
  readonly name: string;
  /** Loads and registers the backend with tfjs; throws an Error whose message is the reason it cannot. */
  load(): Promise<LoadedBackend>;
}

export const NOTHING_TO_DISPOSE = (): Promise<void> => Promise.resolve();

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    return error.message; // tfjs-backend-wasm rejects with a plain { message } object
  }
  return String(error);
}
