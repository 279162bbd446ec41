import { describe, expect, it } from 'vitest';
import {
  convLoraParameterCount,
  loraLinearParameterCount,
} from '../../../../src/main/engine/lora/lora-parameter-count';

interface ConvShape {
  in: number;
  out: number;
  k: number;
}

/** Merlin's image encoder (ResNet-152 inflated to 3D): the bottleneck convs ConvLoRA adapts. */
function merlinBottleneckConvs(): ConvShape[] {
  const convs: ConvShape[] = [];
  let inChannels = 64; // after the stem, which is not adapted
  for (const [planes, blocks] of [
    [64, 3],
    [128, 8],
    [256, 36],
    [512, 3],
  ] as const) {
    for (let block = 0; block < blocks; block += 1) {
      const blockIn = block === 0 ? inChannels : planes * 4;
      convs.push(
        { in: blockIn, out: planes, k: 1 },
        { in: planes, out: planes, k: 3 },
        { in: planes, out: planes * 4, k: 1 },
      );
      if (block === 0) convs.push({ in: blockIn, out: planes * 4, k: 1 }); // downsample.0
    }
    inChannels = planes * 4;
  }
  return convs;
}

describe('LoRA parameter counts', () => {
  it('follow r·(in+out) for Linear and r·in·k³ + out·r for Conv3d', () => {
    expect(loraLinearParameterCount(768, 768, 16)).toBe(24_576);
    expect(loraLinearParameterCount(10, 3, 2)).toBe(26);
    expect(convLoraParameterCount(64, 64, 3, 2)).toBe(2 * 64 * 27 + 64 * 2);
    expect(convLoraParameterCount(3, 64, [3, 7, 7], 2)).toBe(2 * 3 * 147 + 64 * 2);
  });

  it("give HCC-Merlin's 916,992 for ConvLoRA r=2 on Merlin's 154 bottleneck convs", () => {
    const convs = merlinBottleneckConvs();
    expect(convs).toHaveLength(154);
    expect(convs.reduce((sum, c) => sum + convLoraParameterCount(c.in, c.out, c.k, 2), 0)).toBe(916_992);
  });

  it("give HCC-Merlin's 884,736 for LoRA r=16 on query/key/value of 12 Longformer layers (768)", () => {
    const perLayer = 3 * loraLinearParameterCount(768, 768, 16);
    expect(12 * perLayer).toBe(884_736);
  });
});
