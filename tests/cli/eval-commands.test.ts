/**
 * `ctvlm model set-base`, `eval`, `compare` and `gradcam` as a user runs them: real processes, a
 * project of phantom CTs stored in LPS order (as DICOM-derived NIfTI often is), the lesion-model
 * fixture as base model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GradCamResultSchema, MetricsDocumentSchema } from '../../src/shared/api/evaluation-schemas';
import { readStoredVolume } from '../../src/main/volumes/read-volume';
import { REPO_ROOT } from '../helpers/paths';
import { writePhantomDataset } from '../helpers/phantom-dataset';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';

const FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures');
const TOKENIZER = path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece');

describe('ctvlm eval and gradcam', () => {
  it('evaluates zero-shot, compares, and writes a Grad-CAM on the original CT grid', async () => {
    const dir = tempDir();
    const cli = (...args: string[]) => ctvlm(['--data-dir', path.join(dir, 'data'), ...args]);
    const project = path.join(dir, 'projects', 'Site');
    expect((await cli('project', 'create', 'Site', '--dir', path.join(dir, 'projects'))).code).toBe(0);
    const { manifest, plans } = writePhantomDataset(path.join(dir, 'dataset'), { count: 6, seed: 31, lps: true });
    expect((await cli('import', project, '--manifest', manifest)).code).toBe(0);

    const noBase = await cli('eval', project, '--task', 'phantom-liver-mass');
    expect(noBase.code).toBe(1);
    expect(noBase.stderr).toMatch(/no base model yet: set one with `ctvlm model set-base/);

    const setBase = await cli(
      'model',
      'set-base',
      project,
      path.join(FIXTURES, 'lesion-model'),
      '--tokenizer',
      TOKENIZER,
      '--preset',
      path.join(FIXTURES, 'lesion-model-preset.json'),
    );
    expect(setBase.code, setBase.stderr).toBe(0);
    expect(setBase.stdout).toMatch(/Base model set: ctvlm-tiny-lesion-fixture/);

    const out = path.join(dir, 'eval-base');
    const evaluated = await cli(
      '--json',
      'eval',
      project,
      '--run',
      'base',
      '--task',
      'phantom-liver-mass',
      '--out',
      out,
      '--resamples',
      '100',
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const { metrics } = JSON.parse(evaluated.stdout) as { metrics: unknown };
    const parsed = MetricsDocumentSchema.parse(metrics);
    expect(parsed.studies).toBe(6);
    expect(parsed.classification.bootstrap.resamples).toBe(100);
    expect(fs.readFileSync(path.join(out, 'predictions.csv'), 'utf8').split('\n')[0]).toBe(
      'study_id,class,label,score,pred',
    );

    const human = await cli(
      'eval',
      project,
      '--task',
      'phantom-liver-mass',
      '--resamples',
      '50',
      '--no-projections',
      '--threshold',
      'youden',
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/liver_mass\s+\d+\/\d+\s+\d\.\d{3}/); // class, positives/negatives, AUROC
    expect(human.stdout).toMatch(/Mean matched-pair cosine: -?\d\.\d{3} \[/);

    const compared = await cli('compare', project);
    expect(compared.code).toBe(0);
    expect(compared.stdout.split('\n').filter((line) => /^\d+\s+base\s+phantom-liver-mass/.test(line))).toHaveLength(2);

    const withMass = plans.find((plan) => (plan.labels as Record<string, number>)['liver_mass'] === 1);
    expect(withMass).toBeDefined();
    const heatFile = path.join(dir, 'heat.nii.gz');
    const gradcam = await cli(
      '--json',
      'gradcam',
      project,
      '--run',
      'base',
      '--study',
      withMass?.studyUid ?? '',
      '--text',
      'Liver mass is present.',
      '--versus',
      'Liver mass is not present.',
      '-o',
      heatFile,
    );
    expect(gradcam.code, gradcam.stderr).toBe(0);
    const result = GradCamResultSchema.parse(JSON.parse(gradcam.stdout));
    expect(result).toMatchObject({ text: 'Liver mass is present.', versus: 'Liver mass is not present.' });
    const ct = await readStoredVolume(path.join(dir, 'dataset', 'volumes', `${withMass?.studyUid}.nii.gz`));
    const heat = await readStoredVolume(heatFile);
    // The map lies on the CT's own grid, voxel for voxel: same dims, same (LPS-order) affine.
    expect(heat.dims).toEqual(ct.dims);
    heat.affine.forEach((value, i) => expect(value).toBeCloseTo(ct.affine[i] ?? NaN, 4));
    expect(ct.affine[0]).toBeLessThan(0); // really stored flipped
    let max = -Infinity;
    let min = Infinity;
    for (const value of heat.data) {
      max = Math.max(max, value);
      min = Math.min(min, value);
    }
    expect(max).toBeCloseTo(1, 5);
    expect(min).toBeGreaterThanOrEqual(0);
    const [i, j, k] = result.peak.voxel;
    expect(heat.data[i + ct.dims[0] * (j + ct.dims[1] * k)]).toBeCloseTo(1, 5);

    const missing = await cli('gradcam', project, '--study', 'nope', '--text', 'x');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/The project has no study nope/);
  }, 300_000);
});
