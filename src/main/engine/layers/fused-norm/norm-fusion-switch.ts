/** Whether BatchNorm and LayerNorm may take their fused WebGPU programs (on by default; see fusion-switch.ts). */
import { createFusionSwitch } from '../../fusion-switch';

const normFusion = createFusionSwitch();

export const normFusionEnabled = normFusion.enabled;
export const withNormFusion = normFusion.with;
