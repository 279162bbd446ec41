/** Whether LoRA layers may take their fused forward (on by default; see fusion-switch.ts). */
import { createFusionSwitch } from '../../fusion-switch';

const loraFusion = createFusionSwitch();

export const loraFusionEnabled = loraFusion.enabled;
export const withLoraFusion = loraFusion.with;
