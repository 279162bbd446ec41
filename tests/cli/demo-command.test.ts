/**
 * `ctvlm demo` as the "done when" states it: on this machine's cores, the shipped
 * source-pretrained model is adapted to the second scanner without labels, and the adapted model
 * is clearly better than the base on held-out studies. One real process, start to end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DemoSummarySchema } from '../../src/shared/api/demo-schemas';
import { MetricsDocumentSchema } from '../../src/shared/api/evaluation-schemas';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';

describe('ctvlm demo', () => {
  it('refuses an --out folder that already holds files', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const result = await ctvlm(['--data-dir', path.join(dir, 'data'), 'demo', '--out', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not empty: give --out a new or empty folder/);
    expect(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('adapts the base model without labels and beats it on held-out studies', { timeout: 1_200_000 }, async () => {
    const dir = tempDir();
    const out = path.join(dir, 'demo');
    const result = await ctvlm(['--data-dir', path.join(dir, 'data'), 'demo', '--out', out, '--json']);
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const summary = DemoSummarySchema.parse(JSON.parse(result.stdout));
    console.log(
      `ctvlm demo: base AUROC ${summary.base.auroc.estimate?.toFixed(3)} [${summary.base.auroc.lower?.toFixed(3)}, ${summary.base.auroc.upper?.toFixed(3)}], ` +
        `adapted ${summary.adapted.auroc.estimate?.toFixed(3)} [${summary.adapted.auroc.lower?.toFixed(3)}, ${summary.adapted.auroc.upper?.toFixed(3)}]; ` +
        `F1 ${summary.base.f1.estimate?.toFixed(3)} -> ${summary.adapted.f1.estimate?.toFixed(3)}; ${summary.seconds.toFixed(0)} s`,
    );
    expect(summary.testStudies).toBeGreaterThanOrEqual(40);
    expect(summary.base.auroc.estimate!).toBeLessThanOrEqual(0.65);
    expect(summary.adapted.auroc.estimate!).toBeGreaterThanOrEqual(0.85);
    expect(summary.adapted.auroc.lower!).toBeGreaterThan(summary.base.auroc.upper!);

    for (const which of ['base', 'adapted'] as const) {
      const folder = path.join(out, 'evaluations', which);
      expect(summary[which].outputDir).toBe(folder);
      const metrics = MetricsDocumentSchema.parse(
        JSON.parse(fs.readFileSync(path.join(folder, 'metrics.json'), 'utf8')),
      );
      expect(metrics.headline.auroc.estimate).toBe(summary[which].auroc.estimate);
      expect(metrics.split).toBe('test');
      const csv = fs.readFileSync(path.join(folder, 'predictions.csv'), 'utf8').trim().split('\n');
      expect(csv[0]).toBe('study_id,class,label,score,pred');
      expect(csv).toHaveLength(summary.testStudies + 1);
    }
    expect(fs.existsSync(path.join(out, 'adapter', 'adapter_model.safetensors'))).toBe(true);
    expect(fs.existsSync(path.join(summary.projectDir, 'project.sqlite'))).toBe(true);
    expect(summary.run.trainableParameters).toBeLessThan(summary.run.totalParameters / 2);
  });
});
