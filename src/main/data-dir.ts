import os from 'node:os';
import path from 'node:path';

/** Where the workbench keeps its registry and default projects folder, unless told otherwise. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CTVLM_HOME) return path.resolve(env.CTVLM_HOME);
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'ctvlm-workbench');
  if (process.platform === 'darwin')
    return path.join(os.homedir(), 'Library', 'Application Support', 'ctvlm-workbench');
  return path.join(env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'ctvlm-workbench');
}
