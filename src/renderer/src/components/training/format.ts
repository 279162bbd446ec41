/** Number formatting of the training components (runs table, epochs table, progress). */
import type { RunMethod } from '@shared/api/run-schemas';

/** One line per training method, for the start form and the runs table's tooltips. */
export const METHOD_DESCRIPTIONS: Record<RunMethod, string> = {
  peft: 'HCC-Merlin PEFT: ConvLoRA on the image encoder, LoRA on the text encoder, projections and τ.',
  full: 'Full fine-tuning: every parameter of both encoders (needs the most memory).',
  'text-lora': 'Ablation: LoRA on the text encoder only, with the projections and τ.',
  'image-conv-lora': 'Ablation: ConvLoRA on the image encoder only, with the projections and τ.',
  projections: 'Ablation: only the projection heads and τ; both encoders stay frozen.',
  'attention-lora': 'MedCT-VLM style: LoRA on every attention projection of either encoder, with projections and τ.',
};

/** A parameter count: "812", "12.3 k", "4.56 M", "1.20 B". */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)} B`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return String(value);
}

/** Trainable parameters with their share of all parameters: "4.56 M (3.1%)". */
export function formatTrainable(trainable: number | null, total: number | null): string {
  if (trainable === null) return '—';
  if (!total) return formatCount(trainable);
  const share = (100 * trainable) / total;
  return `${formatCount(trainable)} (${share >= 10 ? share.toFixed(0) : share.toPrecision(2)}%)`;
}

/** Bytes as MiB with one decimal. */
export function formatMiB(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  return (bytes / 2 ** 20).toFixed(1);
}

/** A learning rate or another small positive number: "1.0e-4"; 0 as "0". */
export function formatSmall(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  return Math.abs(value) >= 0.01 && Math.abs(value) < 1000 ? value.toPrecision(3) : value.toExponential(1);
}

/** A job's ETA, as the Background work panel words it. */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return '';
  return seconds < 60 ? `about ${Math.round(seconds)}s left` : `about ${Math.round(seconds / 60)} min left`;
}
