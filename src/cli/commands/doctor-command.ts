/** `ctvlm doctor`: which compute backend training would use on this machine, and how to get a faster one. */
import os from 'node:os';
import type { Command } from 'commander';
import { backendAdvice } from '../../main/engine/backends/backend-advice';
import {
  BACKEND_NAMES,
  releaseBackends,
  selectBackend,
  type BackendReport,
} from '../../main/engine/backends/select-backend';

import type { Run } from './project-target';

interface DoctorOptions {
  backend?: string;
}

export interface DoctorReport {
  node: string;
  platform: string;
  cpus: { count: number; model: string };
  memoryGiB: { total: number; free: number };
  backends: BackendReport;
  advice: string[];
}

export function registerDoctorCommand(program: Command, run: Run): void {
  program
    .command('doctor')
    .description('which compute backend training uses here (each one self-tested), and how to get a faster one')
    .option(
      '--backend <name>',
      `require this backend: ${BACKEND_NAMES.join(', ')} (fails, saying why, if it cannot be used)`,
    )
    .action((options: DoctorOptions) =>
      run(async (cli) => {
        let backends: BackendReport;
        try {
          backends = await selectBackend({ force: options.backend, probeAll: options.backend === undefined });
        } finally {
          await releaseBackends();
        }
        const report: DoctorReport = {
          node: process.versions.node,
          platform: `${process.platform} ${process.arch}`,
          cpus: { count: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
          memoryGiB: { total: gib(os.totalmem()), free: gib(os.freemem()) },
          backends,
          advice: backendAdvice(backends),
        };
        cli.output.result(report, () => formatDoctor(report));
      }),
    );
}

const gib = (bytes: number): number => Math.round((bytes / 2 ** 30) * 10) / 10;

export function formatDoctor(report: DoctorReport): string {
  const lines = [
    `Node ${report.node} on ${report.platform}; ${report.cpus.count} CPUs (${report.cpus.model}); memory ${report.memoryGiB.total} GiB (${report.memoryGiB.free} GiB free)`,
    '',
    `Backend: ${report.backends.chosen}${report.backends.forced ? ' (asked for)' : ''}`,
  ];
  for (const candidate of report.backends.candidates) {
    const mark = candidate.name === report.backends.chosen ? '*' : candidate.selfTest?.passed ? '+' : '-';
    const test = candidate.selfTest
      ? ` self-test ${candidate.selfTest.passed ? 'passed' : 'FAILED'} (max error ${candidate.selfTest.maxAbsError.toExponential(1)}, ${candidate.selfTest.ms.toFixed(0)} ms)`
      : '';
    lines.push(`  ${mark} ${candidate.name.padEnd(10)} ${candidate.reason}${test ? `;${test}` : ''}`);
    if (candidate.device) {
      lines.push(`      device: ${candidate.device.description}`);
      if (candidate.name === 'webgpu') {
        const limits = Object.entries(candidate.device.details)
          .filter(([key]) => key.startsWith('max'))
          .map(([key, value]) => `${key} ${String(value)}`);
        lines.push(`      limits: ${limits.join(', ')}`);
      }
    }
  }
  if (report.advice.length > 0) lines.push('', 'To go faster:', ...report.advice.map((line) => `  - ${line}`));
  return lines.join('\n');
}
