/** The `system.doctor` job: the shared report (as the UI parses it), its progress, and bad input refused. */
import { describe, expect, it } from 'vitest';
import { doctorJob } from '../../../../src/main/engine/backends/doctor-job';
import { createJobContext } from '../../../../src/main/jobs/job-context';
import { DoctorReportSchema } from '../../../../src/shared/api/doctor-schemas';
import { UserError } from '../../../../src/shared/errors';

function context(messages: string[]) {
  return createJobContext(new AbortController().signal, null, null, (_done, _total, message) => {
    messages.push(message);
  });
}

describe('doctorJob', () => {
  it('returns a report the shared schema reads, with the backend asked for chosen', async () => {
    const messages: string[] = [];
    const result = await doctorJob({ backend: 'cpu' }, context(messages));
    const report = DoctorReportSchema.parse(JSON.parse(JSON.stringify(result)));
    expect(report.backends.chosen).toBe('cpu');
    expect(report.backends.forced).toBe(true);
    const cpu = report.backends.candidates.find((candidate) => candidate.name === 'cpu');
    expect(cpu?.available).toBe(true);
    expect(cpu?.selfTest?.passed).toBe(true);
    expect(report.backends.candidates.filter((candidate) => candidate.tried).map((c) => c.name)).toEqual(['cpu']);
    expect(messages[0]).toBe('Testing compute backends…');
  });

  it('refuses a backend that does not exist, naming the choices', async () => {
    const failure = doctorJob({ backend: 'cuda' }, context([]));
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toThrow(/tensorflow.*webgpu.*wasm.*cpu/);
  });
});
