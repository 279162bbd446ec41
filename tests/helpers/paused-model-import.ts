/**
 * Runs a model import in this process and stops (without exiting) once it has converted a few
 * tensors, printing "converting <done>/<total>", so a test can SIGKILL it mid-import.
 * Usage: paused-model-import.ts DATA_DIR FILE ARCH CONFIG
 */
import { importFoundationModel } from '../../src/main/models/foundation/import-foundation-model';

const [dataDir = '', file = '', arch = '', config = ''] = process.argv.slice(2);
let converted = 0;
void importFoundationModel(
  dataDir,
  { file, arch: arch === 'merlin' ? 'merlin' : 'ctclip', config },
  {
    progress: (done, total, message) => {
      if (!message.startsWith('Converting')) return;
      converted += 1;
      if (converted === 10) {
        process.stdout.write(`converting ${done}/${total}\n`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // held here until killed
      }
    },
    throwIfCancelled: () => undefined,
  },
);
