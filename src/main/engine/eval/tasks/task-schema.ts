/**
 * A zero-shot task as data: classes, each with positive and negative prompts (written out, or
 * made from templates with "{p}" replaced by the class's phrase), how prompt similarities become a
 * score, and how a score becomes a prediction. Labels come from each study's labels (the manifest's
 * label:<name> columns) and are used only to evaluate.
 */
import { z } from 'zod';
import { ThresholdRuleSchema } from '../metrics/thresholds';

const PromptList = z.array(z.string().min(1)).min(1);

export const TaskClassSchema = z
  .object({
    /** Shown in tables, written to predictions.csv. */
    name: z.string().min(1),
    /** The study label that holds the truth (a manifest column label:<label>); default: name. */
    label: z.string().min(1).optional(),
    /** Replaces "{p}" in the templates. */
    phrase: z.string().min(1).optional(),
    /** Explicit prompts; when given they replace the templates for this class. */
    positive: PromptList.optional(),
    negative: PromptList.optional(),
  })
  .strict();

export const ZeroShotTaskSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
    description: z.string().default(''),
    /** binary: one class; multilabel: several independent yes/no classes. */
    kind: z.enum(['binary', 'multilabel']),
    templates: z
      .object({ positive: PromptList, negative: z.array(z.string().min(1)).default([]) })
      .strict()
      .optional(),
    /**
     * pair: score = sigmoid(s_pos − s_neg), the same as a softmax over the (neg, pos) pair;
     * positive-only: score = sigmoid(s_pos) (MedCT-VLM's "CT scan showing {p}").
     * s is the mean over a class's prompts of scale · cos(image, prompt).
     */
    scoring: z.enum(['pair', 'positive-only']).default('pair'),
    /** 100 as HCC-Merlin (sim = 100·cos), or "model": the model's own logit scale (CT-CLIP). */
    scale: z.union([z.number().positive(), z.literal('model')]).default(100),
    threshold: ThresholdRuleSchema.default({ kind: 'argmax' }),
    classes: z.array(TaskClassSchema).min(1),
  })
  .strict()
  .superRefine((task, context) => {
    if (task.kind === 'binary' && task.classes.length !== 1) {
      context.addIssue({ code: 'custom', message: 'a binary task has exactly one class', path: ['classes'] });
    }
    const names = new Set<string>();
    task.classes.forEach((item, index) => {
      if (names.has(item.name)) {
        context.addIssue({ code: 'custom', message: `class "${item.name}" appears twice`, path: ['classes', index] });
      }
      names.add(item.name);
      if (!item.positive && !task.templates) {
        context.addIssue({
          code: 'custom',
          message: `class "${item.name}" has no positive prompts and the task has no templates`,
          path: ['classes', index],
        });
      }
      const needsNegative = task.scoring === 'pair';
      const hasNegative = item.negative ?? (task.templates?.negative.length ? task.templates.negative : undefined);
      if (needsNegative && !hasNegative) {
        context.addIssue({
          code: 'custom',
          message: `class "${item.name}" has no negative prompts, which "pair" scoring needs`,
          path: ['classes', index],
        });
      }
    });
  });

export type ZeroShotTask = z.output<typeof ZeroShotTaskSchema>;
export type ZeroShotTaskInput = z.input<typeof ZeroShotTaskSchema>;
export type TaskClass = z.output<typeof TaskClassSchema>;
