import path from 'node:path';
import type { Command } from 'commander';
import type { ProjectDetail, ProjectSummary } from '../../shared/api/project-schemas';
import { resolveProjectId, type Run } from './project-target';

export function registerProjectCommands(program: Command, run: Run): void {
  const project = program.command('project').description('create, list and inspect projects');

  project
    .command('list')
    .description('list known projects, most recent first')
    .action(() =>
      run(async (cli) => {
        const { projects } = await cli.api.invoke('projects.list', {});
        cli.output.result({ projects }, () =>
          projects.length
            ? projects.map(formatSummary).join('\n')
            : 'No projects yet. Create one with `ctvlm project create NAME`.',
        );
      }),
    );

  project
    .command('create')
    .description('create a new empty project')
    .argument('<name>', 'project name (also its folder name)')
    .option('--dir <folder>', 'parent folder (default: <data dir>/projects)')
    .action((name: string, options: { dir?: string }) =>
      run(async (cli) => {
        const created = await cli.api.invoke('projects.create', {
          name,
          ...(options.dir ? { directory: path.resolve(options.dir) } : {}),
        });
        cli.output.result(created, () => `Created project "${created.name}" at ${created.path}`);
      }),
    );

  project
    .command('add')
    .description('register an existing project folder')
    .argument('<folder>', 'the project folder (holding project.sqlite)')
    .action((folder: string) =>
      run(async (cli) => {
        const added = await cli.api.invoke('projects.add', { path: path.resolve(folder) });
        cli.output.result(added, () => `Added project "${added.name}" (${added.path})`);
      }),
    );

  project
    .command('info')
    .description('describe a project: counts of studies, reports, runs, adapters, evaluations')
    .argument('<folder-or-id>', 'a project folder or a project id from `ctvlm project list`')
    .action((target: string) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const detail = await cli.api.invoke('projects.get', { projectId });
        cli.output.result(detail, () => formatDetail(detail));
      }),
    );

  project
    .command('forget')
    .description('remove a project from the list (its folder is kept)')
    .argument('<folder-or-id>')
    .action((target: string) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const result = await cli.api.invoke('projects.forget', { projectId });
        cli.output.result(result, () =>
          result.forgotten ? 'Forgotten (the folder is untouched).' : 'It was not in the list.',
        );
      }),
    );

  project
    .command('demo')
    .description('create (or finish building) the demo project from bundled synthetic data')
    .action(() =>
      run(async (cli) => {
        const ensured = await cli.api.invoke('demo.ensure', {});
        if (ensured.jobId) await cli.followJob(ensured.jobId);
        const detail = await cli.api.invoke('projects.get', { projectId: ensured.projectId });
        cli.output.result(detail, () => formatDetail(detail));
      }),
    );
}

function formatSummary(project: ProjectSummary): string {
  const status = project.status === 'ok' ? '' : `  [${project.status}: ${project.error?.message ?? ''}]`;
  return `${project.id}  ${project.name}${project.isDemo ? ' (demo)' : ''}\n    ${project.path}${status}`;
}

function formatDetail(detail: ProjectDetail): string {
  const c = detail.counts;
  const lines = [
    `${detail.project.name}${detail.project.isDemo ? ' (demo)' : ''}`,
    `  id       ${detail.project.id}`,
    `  folder   ${detail.project.path}`,
    `  schema   v${detail.schemaVersion}`,
    `  contents ${c.datasets} datasets, ${c.studies} studies, ${c.reports} reports, ${c.runs} runs, ${c.adapters} adapters, ${c.evaluations} evaluations`,
    ...detail.datasets.map((d) => `  dataset  ${d.name}: ${d.studyCount} studies (${d.source})`),
  ];
  return lines.join('\n');
}
