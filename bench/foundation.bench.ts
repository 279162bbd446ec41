/**
 * Foundation costs a user feels: creating and opening projects (with the integrity check),
 * listing projects, building the demo project in a worker, and one API call over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_STUDY_COUNT } from '../src/main/demo/demo-build-job';
import { createNodeWorkerLauncher } from '../src/main/jobs/node-worker-launcher';
import { startWebServer } from '../src/main/server/web-server';
import { createWorkbench } from '../src/main/services/workbench';
import { createProject, openProject } from '../src/main/store/project-store';
import { insertDataset } from '../src/main/store/repositories/study-repository';
import { percentile, time, type Measurement } from './bench-utils';

export async function runFoundationBench(): Promise<Measurement[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-bench-'));
  const measurements: Measurement[] = [];
  try {
    const created = await time(() => createProject(path.join(root, 'empty'), { name: 'empty', createdBy: 'bench' }));
    created.result.close();
    measurements.push({ name: 'create an empty project', value: created.ms, unit: 'ms' });

    // A large project: 10,000 studies with reports, 200,000 predictions.
    const big = createProject(path.join(root, 'big'), { name: 'big', createdBy: 'bench' });
    const datasetId = insertDataset(big.db, 'site', 'bench');
    big.db.transaction(() => {
      const study = big.db.prepare(
        "INSERT INTO studies (dataset_id, study_uid, patient_id, split, image_path, labels_json, created_at) VALUES (?, ?, ?, 'train', 'x.nii.gz', '{}', 'now')",
      );
      const report = big.db.prepare("INSERT INTO reports (study_id, text, sha256) VALUES (?, ?, 'h')");
      const text = 'FINDINGS: The liver is normal in size. No focal lesion. IMPRESSION: Normal. '.repeat(8);
      for (let i = 0; i < 10_000; i += 1)
        report.run(Number(study.run(datasetId, `s${i}`, `p${i}`).lastInsertRowid), text);
      const evaluation = Number(
        big.db.prepare("INSERT INTO evaluations (task, metrics_json, created_at) VALUES ('t', '{}', 'now')").run()
          .lastInsertRowid,
      );
      const prediction = big.db.prepare(
        'INSERT INTO predictions (evaluation_id, study_id, class, label, score, pred) VALUES (?, ?, ?, 1, 0.5, 1)',
      );
      for (let i = 1; i <= 10_000; i += 1) for (let c = 0; c < 20; c += 1) prediction.run(evaluation, i, `class${c}`);
    })();
    big.close();
    const size =
      fs.statSync(path.join(root, 'big', 'project.sqlite')).size +
      (fs.statSync(path.join(root, 'big', 'project.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0);
    const openWrite = await time(() => openProject(path.join(root, 'big'), { mode: 'write' }));
    openWrite.result.close();
    measurements.push({
      name: `open a 10k-study project for writing (${(size / 2 ** 20).toFixed(0)} MiB, checked)`,
      value: openWrite.ms,
      unit: 'ms',
      target: '<= 500 ms',
    });
    const openRead = await time(() => openProject(path.join(root, 'big'), { mode: 'read' }));
    openRead.result.close();
    measurements.push({ name: 'open the same project read-only', value: openRead.ms, unit: 'ms' });

    const workbench = createWorkbench({
      dataDir: path.join(root, 'data'),
      mode: 'cli',
      launcher: createNodeWorkerLauncher(),
    });
    try {
      for (let i = 0; i < 20; i += 1) workbench.projects.create(`p${i}`);
      const listed = await time(() => workbench.dispatcher.invoke('projects.list', {}));
      measurements.push({
        name: 'list 20 projects (each one checked)',
        value: listed.ms,
        unit: 'ms',
        target: '<= 100 ms',
      });

      const demo = await time(async () => {
        const { jobId } = workbench.demo.ensure();
        await workbench.jobs.wait(jobId ?? '');
      });
      measurements.push({
        name: `build the demo project (${DEMO_STUDY_COUNT} studies: render + import, worker)`,
        value: demo.ms / 1000,
        unit: 's',
      });

      const server = await startWebServer({ workbench, rendererDir: path.join(root, 'none'), port: 0 });
      try {
        const latencies: number[] = [];
        for (let i = 0; i < 200; i += 1) {
          const { ms } = await time(async () => {
            const response = await fetch(`${server.origin}/api/invoke/app.info`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
              body: '{}',
            });
            await response.json();
          });
          latencies.push(ms);
        }
        measurements.push({
          name: 'web mode API call app.info, p50 of 200',
          value: percentile(latencies, 50),
          unit: 'ms',
        });
        measurements.push({
          name: 'web mode API call app.info, p95 of 200',
          value: percentile(latencies, 95),
          unit: 'ms',
        });
      } finally {
        await server.close();
      }
    } finally {
      await workbench.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return measurements;
}
