/**
 * Whether LoRA layers may take their fused forward (on by default). Turning it off runs the
 * separate base, A and B layers exactly as before fusion existed: for comparisons (tests,
 * dispatch counts) and as a way around a suspected fused-kernel problem.
 */
let enabled = true;

export function loraFusionEnabled(): boolean {
  return enabled;
}

/** Runs `body` with fusion on or off, restoring the previous setting afterwards. */
export function withLoraFusion<T>(on: boolean, body: () => T): T {
  const previous = enabled;
  enabled = on;
  try {
    return body();
  } finally {
    enabled = previous;
  }
}
