/** Rendering synthetic phantoms: the demo project's first start waits on this. */
import {
  planCohort,
  renderPhantom,
  writePhantomReport,
  type PhantomRegion,
  type ScannerName,
} from '../src/main/phantoms';
import { encodeNiftiGz } from '../src/main/volumes/nifti-writer';
import { percentile, time, type Measurement } from './bench-utils';

export async function runPhantomsBench(): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  for (const region of ['abdomen', 'chest'] as PhantomRegion[]) {
    for (const scanner of ['source', 'second'] as ScannerName[]) {
      const plans = planCohort({ region, count: 6, seed: 61, scanner });
      const first = plans[0];
      if (first) renderPhantom(first); // warm up
      const renders: number[] = [];
      const encodes: number[] = [];
      for (const plan of plans.slice(1)) {
        const rendered = await time(() => renderPhantom(plan));
        renders.push(rendered.ms);
        encodes.push((await time(() => encodeNiftiGz(rendered.result))).ms);
        writePhantomReport(plan);
      }
      measurements.push({
        name: `render one ${region} phantom (${scanner} scanner), median of 5`,
        value: percentile(renders, 50),
        unit: 'ms',
        target: '< 1000 ms',
      });
      measurements.push({ name: `gzip it as NIfTI, median of 5`, value: percentile(encodes, 50), unit: 'ms' });
    }
  }
  return measurements;
}
