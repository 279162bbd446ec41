import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BIN = path.join(REPO_ROOT, 'bin', 'ctvlm.mjs');
export const SHARED_FIXTURES = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');
