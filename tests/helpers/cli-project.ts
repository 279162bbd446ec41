/** Project setup through the real CLI, for end-to-end tests that then drive the UI. */
import path from 'node:path';
import { REPO_ROOT } from './paths';
import { ctvlm } from './run-ctvlm';

/** Runs `ctvlm --data-dir DIR --json ...` and returns its parsed JSON result; throws if it fails. */
export async function ctvlmJson<T>(dataDir: string, args: string[]): Promise<T> {
  const result = await ctvlm(['--data-dir', dataDir, '--json', ...args]);
  if (result.code !== 0) throw new Error(`ctvlm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Sets the tiny lesion model (tests/fixtures/lesion-model, the demo tokenizer, its preset) as the project's base model. */
export async function setLesionBaseModel(dataDir: string, projectId: string): Promise<void> {
  await ctvlmJson(dataDir, [
    'model',
    'set-base',
    projectId,
    path.join(REPO_ROOT, 'tests', 'fixtures', 'lesion-model'),
    '--tokenizer',
    path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece'),
    '--preset',
    path.join(REPO_ROOT, 'tests', 'fixtures', 'lesion-model-preset.json'),
  ]);
}
