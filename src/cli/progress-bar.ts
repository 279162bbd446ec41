/** Job progress on stderr: a redrawn bar on a terminal, a line per step otherwise, JSON lines with --json. */
import type { JobProgress } from '../shared/api/job-schemas';

export interface ProgressPrinter {
  update(progress: JobProgress): void;
  finish(): void;
}

export function createProgressPrinter(json: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressPrinter {
  let lastLine = '';
  let lastPercentLogged = -1;
  return {
    update(progress) {
      if (json) {
        stream.write(`${JSON.stringify({ event: 'job.progress', ...progress })}\n`);
        return;
      }
      const fraction = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
      const percent = Math.floor(fraction * 100);
      const eta = progress.etaSeconds === null ? '' : ` ETA ${formatSeconds(progress.etaSeconds)}`;
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round(fraction * width);
        const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${progress.done}/${progress.total}${eta} ${progress.message}`;
        const columns = stream.columns || 100;
        stream.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(lastLine.length, columns - 1))}`);
        lastLine = line;
      } else if (percent >= lastPercentLogged + 10 || (progress.done === progress.total && lastPercentLogged < 100)) {
        lastPercentLogged = percent;
        stream.write(`${percent}% ${progress.done}/${progress.total}${eta} ${progress.message}\n`);
      }
    },
    finish() {
      if (!json && stream.isTTY && lastLine) stream.write('\n');
    },
  };
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s`
    : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
