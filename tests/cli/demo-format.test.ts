import { describe, expect, it } from 'vitest';
import { formatDemo } from '../../src/cli/commands/demo-command';
import type { DemoSummary } from '../../src/shared/api/demo-schemas';

const interval = (estimate: number, lower: number, upper: number) => ({
  estimate,
  lower,
  upper,
  validResamples: 1000,
  resamples: 1000,
  level: 0.95,
});

const summary: DemoSummary = {
  projectDir: '/out/demo-project',
  task: 'phantom-liver-mass',
  testStudies: 60,
  trainStudies: 120,
  base: {
    evaluationId: 1,
    outputDir: '/out/evaluations/base',
    auroc: interval(0.117, 0.052, 0.196),
    f1: interval(0.378, 0.235, 0.519),
    accuracy: interval(0.233, 0.133, 0.35),
  },
  adapted: {
    evaluationId: 2,
    outputDir: '/out/evaluations/adapted',
    auroc: interval(1, 1, 1),
    f1: interval(1, 1, 1),
    accuracy: interval(1, 1, 1),
  },
  run: {
    id: 1,
    name: 'demo-peft',
    method: 'peft',
    epochs: 4,
    bestEpoch: 2,
    trainableParameters: 16321,
    totalParameters: 113993,
    trainSeconds: 112.4,
  },
  adapterDir: '/out/adapter',
  seconds: 205.5,
};

describe('ctvlm demo output', () => {
  it('puts base and adapted side by side with their CIs, and says what was kept', () => {
    const text = formatDemo(summary, true);
    expect(text).toMatch(/Zero-shot "phantom-liver-mass" on 60 held-out second-scanner studies \(95% bootstrap CIs\)/);
    expect(text).toMatch(/model\s+AUROC\s+F1\s+accuracy/);
    expect(text).toMatch(/base \(source-pretrained\)\s+0\.117 \[0\.052, 0\.196\]\s+0\.378 \[0\.235, 0\.519\]/);
    expect(text).toMatch(/adapted \(demo-peft\)\s+1\.000 \[1\.000, 1\.000\]/);
    expect(text).toMatch(
      /Adapted with peft on 120 CT-report pairs, no labels: 16,321 of 113,993 parameters trained, 4 epochs \(best 2\), 112 s\./,
    );
    expect(text).toMatch(/Kept: the project \/out\/demo-project, the adapter \/out\/adapter/);
    expect(formatDemo(summary, false)).toMatch(/Nothing was kept; run `ctvlm demo --out DIR`/);
  });
});
