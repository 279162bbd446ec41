/** A task by built-in name or from a JSON file, validated, with each class's prompts written out. */
import fs from 'node:fs';
import { UserError } from '../../../../shared/errors';
import { describeConfigIssues } from '../../io/adapter-config';
import { BUILT_IN_TASKS } from './task-presets';
import { ZeroShotTaskSchema, type ZeroShotTask } from './task-schema';

export interface ExpandedClass {
  name: string;
  /** The study label holding the truth. */
  label: string;
  positive: string[];
  negative: string[];
}

export interface ResolvedTask {
  task: ZeroShotTask;
  classes: ExpandedClass[];
}

export function builtInTaskNames(): string[] {
  return BUILT_IN_TASKS.map((task) => task.name);
}

/** `nameOrFile`: a built-in task's name, or a path to a task JSON file. */
export function resolveTask(nameOrFile: string): ResolvedTask {
  const builtIn = BUILT_IN_TASKS.find((task) => task.name === nameOrFile);
  if (builtIn) return expandTask(ZeroShotTaskSchema.parse(builtIn));
  if (!/\.json$/i.test(nameOrFile) || !fs.existsSync(nameOrFile)) {
    throw new UserError(
      'INVALID_INPUT',
      `There is no task "${nameOrFile}": use one of ${builtInTaskNames().join(', ')}, or a task JSON file.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(nameOrFile, 'utf8'));
  } catch (error) {
    throw new UserError('INVALID_INPUT', `${nameOrFile} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseTask(json, nameOrFile);
}

/** Validate a task given as data (a JSON document or an API payload). */
export function parseTask(json: unknown, where: string): ResolvedTask {
  const parsed = ZeroShotTaskSchema.safeParse(json);
  if (!parsed.success) {
    throw new UserError(
      'INVALID_INPUT',
      `${where} is not a valid zero-shot task: ${describeConfigIssues(parsed.error)}.`,
    );
  }
  return expandTask(parsed.data);
}

export function expandTask(task: ZeroShotTask): ResolvedTask {
  const fill = (templates: readonly string[], phrase: string): string[] =>
    templates.map((template) => template.replaceAll('{p}', phrase));
  const classes = task.classes.map((item) => {
    const phrase = item.phrase ?? item.name;
    return {
      name: item.name,
      label: item.label ?? item.name,
      positive: item.positive ?? fill(task.templates?.positive ?? [], phrase),
      negative: task.scoring === 'pair' ? (item.negative ?? fill(task.templates?.negative ?? [], phrase)) : [],
    };
  });
  return { task, classes };
}
