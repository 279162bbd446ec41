import path from 'node:path';
import type { CliContext } from '../cli-context';

export type Run = (action: (context: CliContext) => Promise<void>) => Promise<void>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A project named on the command line by its id, or by its folder (registered on the way). */
export async function resolveProjectId(cli: CliContext, target: string): Promise<string> {
  if (UUID.test(target)) return target;
  return (await cli.api.invoke('projects.add', { path: path.resolve(target) })).id;
}
