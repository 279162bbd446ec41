/** The pure-JavaScript CPU backend: always there (bundled with @tensorflow/tfjs), the reference. */
import { tf } from '../tf';
import { NOTHING_TO_DISPOSE, type BackendCandidate } from './backend-candidate';

export function cpuCandidate(): BackendCandidate {
  return {
    name: 'cpu',
    async load() {
      if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
      return { dispose: NOTHING_TO_DISPOSE };
    },
  };
}
