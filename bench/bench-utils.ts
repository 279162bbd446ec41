import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Measurement {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

export async function time<T>(action: () => T | Promise<T>): Promise<{ ms: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await action();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function print(title: string, measurements: Measurement[]): void {
  console.log(`\n${title} (${os.hostname()}, ${os.cpus().length} cores, Node ${process.versions.node})`);
  for (const m of measurements) {
    console.log(
      `  ${m.name.padEnd(58)} ${m.value.toFixed(m.value < 10 ? 2 : 1).padStart(9)} ${m.unit}${m.target ? `   (target ${m.target})` : ''}`,
    );
  }
}

/** Keep the numbers beside the machine they were taken on. */
export function save(benchName: string, measurements: Measurement[]): string {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${benchName}-${os.hostname()}.json`);
  const record = {
    bench: benchName,
    machine: {
      hostname: os.hostname(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    node: process.versions.node,
    takenAt: new Date().toISOString(),
    measurements,
  };
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
