/** Run as a separate process: open a project for writing, say so, and hold it until killed. */
import { openProject } from '../../src/main/store/project-store';

const dir = process.argv[2];
if (!dir) throw new Error('usage: hold-project-lock.ts PROJECT_DIR');
const project = openProject(dir, { mode: 'write', purpose: 'test holder' });
process.stdout.write(`locked ${process.pid}\n`);
process.on('SIGTERM', () => {
  project.close();
  process.exit(0);
});
setInterval(() => undefined, 1000);
