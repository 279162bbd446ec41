import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInTaskNames, parseTask, resolveTask } from '../../../../../src/main/engine/eval/tasks/resolve-task';
import { CT_RATE_PATHOLOGIES } from '../../../../../src/main/engine/eval/tasks/task-presets';
import { tempDir } from '../../../../helpers/temp-dir';

describe('zero-shot tasks', () => {
  it('keeps the HCC-Merlin prompts verbatim: three positive, three negative, argmax, 100·cos', () => {
    const { task, classes } = resolveTask('hcc');
    expect(task.kind).toBe('binary');
    expect(task.scale).toBe(100);
    expect(task.threshold).toEqual({ kind: 'argmax' });
    expect(classes).toHaveLength(1);
    expect(classes[0]?.positive).toEqual([
      'Liver mass consistent with hepatocellular carcinoma',
      'HCC detected with typical arterial enhancement pattern',
      'Imaging shows signs of hepatocellular carcinoma',
    ]);
    expect(classes[0]?.negative[2]).toBe('Liver appears clear of hepatocellular carcinoma');
  });

  it('fills CT-CLIP templates for all 18 CT-RATE pathologies, softmax over the pair on the model scale', () => {
    const { task, classes } = resolveTask('ct-rate-18');
    expect(CT_RATE_PATHOLOGIES).toHaveLength(18);
    expect(classes.map((c) => c.name)).toEqual([...CT_RATE_PATHOLOGIES]);
    expect(classes[9]).toMatchObject({
      positive: ['Lung nodule is present.'],
      negative: ['Lung nodule is not present.'],
    });
    expect(task.scale).toBe('model');
    expect(task.threshold).toEqual({ kind: 'closest-to-corner' });
  });

  it("gives MedCT-VLM's variant one positive prompt and no negative", () => {
    const { task, classes } = resolveTask('ct-rate-18-medct');
    expect(task.scoring).toBe('positive-only');
    expect(classes[2]).toMatchObject({ positive: ['CT scan showing Cardiomegaly'], negative: [] });
  });

  it('lists the built-in tasks and refuses an unknown name with the list', () => {
    expect(builtInTaskNames()).toEqual(
      expect.arrayContaining(['hcc', 'ct-rate-18', 'phantom-abdomen', 'phantom-liver-mass', 'phantom-chest']),
    );
    expect(() => resolveTask('pneumonia')).toThrow(/There is no task "pneumonia": use one of hcc, /);
  });

  it('reads a task JSON file, with labels named apart from classes', () => {
    const dir = tempDir();
    const file = path.join(dir, 'fracture.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: 'verse-fracture',
        kind: 'binary',
        classes: [
          {
            name: 'fracture',
            label: 'vertebral_fracture',
            positive: ['Vertebral fracture.'],
            negative: ['No fracture.'],
          },
        ],
      }),
    );
    const { task, classes } = resolveTask(file);
    expect(task.scoring).toBe('pair');
    expect(classes[0]).toEqual({
      name: 'fracture',
      label: 'vertebral_fracture',
      positive: ['Vertebral fracture.'],
      negative: ['No fracture.'],
    });
  });

  it('explains what is wrong with an invalid task', () => {
    expect(() => parseTask({ name: 'x', kind: 'binary', classes: [{ name: 'a' }] }, 'task.json')).toThrow(
      /task.json is not a valid zero-shot task: classes.0: class "a" has no positive prompts/,
    );
    expect(() =>
      parseTask(
        {
          name: 'x',
          kind: 'binary',
          classes: [
            { name: 'a', positive: ['p'] },
            { name: 'b', positive: ['q'] },
          ],
        },
        'task.json',
      ),
    ).toThrow(/a binary task has exactly one class/);
    expect(() => parseTask({ name: 'x', kind: 'binary', classes: [{ name: 'a', positive: ['p'] }] }, 't')).toThrow(
      /no negative prompts, which "pair" scoring needs/,
    );
  });
});
