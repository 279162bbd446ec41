/**
 * Gamma correction (MedCT-VLM §3.3): I' = I^γ with γ = exp(logGamma), applied to intensities
 * rescaled from [low, high] to [0, 1] and mapped back, so the preset's range is kept ([0, 1] for
 * merlin, [−1, 1] for ctclip). In place. t^γ is computed as exp(γ·ln t) (several times faster
 * than Math.pow in V8, equal to it within a few ulps of a double, far below float32 precision).
 */
export function gammaCorrectInPlace(data: Float32Array, logGamma: number, low: number, high: number): void {
  const width = high - low;
  if (!(width > 0)) return;
  const gamma = Math.exp(logGamma);
  const scale = 1 / width;
  for (let n = 0; n < data.length; n += 1) {
    const t = ((data[n] as number) - low) * scale;
    data[n] = t <= 0 ? low : t >= 1 ? high : low + width * Math.exp(gamma * Math.log(t));
  }
}
