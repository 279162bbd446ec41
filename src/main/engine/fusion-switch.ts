/**
 * An on/off switch for one family of fused kernels (LoRA, normalisation), on by default. Turning
 * one off runs the unfused ops exactly as before fusion existed: for comparisons (tests, dispatch
 * counts) and as a way around a suspected fused-kernel problem.
 */
export interface FusionSwitch {
  enabled: () => boolean;
  /** Runs `body` with fusion on or off, restoring the previous setting afterwards. */
  with: <T>(on: boolean, body: () => T) => T;
}

export function createFusionSwitch(): FusionSwitch {
  let enabled = true;
  return {
    enabled: () => enabled,
    with: <T>(on: boolean, body: () => T): T => {
      const previous = enabled;
      enabled = on;
      try {
        return body();
      } finally {
        enabled = previous;
      }
    },
  };
}
