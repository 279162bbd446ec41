/** `npm run bench`: runs every benchmark, prints the numbers, keeps them in bench/results/. */
import { print, save } from './bench-utils';
import { runFoundationBench } from './foundation.bench';

const foundation = await runFoundationBench();
print('Foundation', foundation);
console.log(`\nSaved to ${save('foundation', foundation)}`);
