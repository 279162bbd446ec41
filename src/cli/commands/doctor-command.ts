/** `ctvlm doctor`: which compute backend training would use on this machine, and how to get a faster one. */
import type { Command } from 'commander';
import type { DoctorReport } from '../../shared/api/doctor-schemas';
import { buildDoctorReport } from '../../main/engine/backends/doctor-report';
import { BACKEND_NAMES } from '../../main/engine/backends/select-backend';

import type { Run } from './project-target';

interface DoctorOptions {
  backend?: string;
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
        const report = await buildDoctorReport({ backend: options.backend });
        cli.output.result(report, () => formatDoctor(report));
      }),
    );
}

export function formatDoctor(report: DoctorReport): string {
  const lines = [
    `Node ${report.node} on ${report.platform}; ${report.cpus.count} CPUs (${report.cpus.model}); memory ${report.memoryGiB.total} GiB (${report.memoryGiB.free} GiB free)`,
    '',
    `Backend: ${report.backends.chosen}${report.backends.forced ? ' (asked for)' : ''}`,
  ];
  for (const candidate of report.backends.candidates) {
    const mark = candidate.name === report.backends.chosen ? '*' : candidate.selfTest?.passed ? '+' : '-';
    const test = candidate.selfTest
      ? ` self-test ${candidate.selfTest.passed ? 'passed' : 'FAILED'} (max error ${candidate.selfTest.maxAbsError?.toExponential(1) ?? 'not a number'}, ${candidate.selfTest.ms.toFixed(0)} ms)`
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
