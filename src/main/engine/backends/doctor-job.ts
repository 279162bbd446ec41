/** Job `system.doctor`: the doctor report, in a worker so the backends never load in the server process. */
import { DoctorInputSchema, type DoctorReport } from '../../../shared/api/doctor-schemas';
import { UserError } from '../../../shared/errors';
import type { JobContext } from '../../jobs/job-context';
import { buildDoctorReport } from './doctor-report';

export async function doctorJob(input: unknown, context: JobContext): Promise<DoctorReport> {
  const parsed = DoctorInputSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new UserError('INVALID_INPUT', `system.doctor takes an optional backend: ${parsed.error.issues[0]?.message}`);
  }
  context.progress(0, 1, 'Testing compute backends…');
  const report = await buildDoctorReport({ backend: parsed.data.backend });
  context.progress(1, 1, `Done: training would use ${report.backends.chosen}`);
  return report;
}
