import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveAdapter } from '../../src/main/engine/io/adapter-files';
import { saveCheckpoint } from '../../src/main/engine/io/model-checkpoint';
import { ADAPTER_WEIGHTS_FILE } from '../../src/main/engine/io/peft-adapter';
import { applyLora } from '../../src/main/engine/lora/apply-lora';
import { CtVlm } from '../../src/main/engine/models/ctvlm/ct-vlm';
import { tf } from '../../src/main/engine/tf';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';
import { randomizeLora, TEST_MODEL, TEXT_TARGETS } from '../main/engine/io/ct-vlm-fixtures';

describe('ctvlm adapter', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('imports, lists, exports, merges, activates and deletes adapters, as JSON', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const model = new CtVlm(TEST_MODEL);
    const base = saveCheckpoint(model, path.join(dir, 'base'), { modelId: 'tiny-base' });
    applyLora(model, { targets: TEXT_TARGETS, kind: 'lora', rank: 2, alpha: 2, dropout: 0 });
    randomizeLora(model, 3);
    saveAdapter(model, path.join(dir, 'peft'), { baseModelId: 'tiny-base', baseSha256: base.sha256, name: 'peft' });
    model.dispose();

    const cli = (...args: string[]) => ctvlm(['--data-dir', dataDir, '--json', ...args]);
    const project = path.join(dir, 'projects', 'Liver');
    expect((await cli('project', 'create', 'Liver', '--dir', path.join(dir, 'projects'))).code).toBe(0);

    const imported = await cli('adapter', 'import', project, path.join(dir, 'peft'), '--name', 'liver');
    expect(imported.code, imported.stderr).toBe(0);
    const row = JSON.parse(imported.stdout) as { id: number; name: string; trainableParams: number };
    expect(row.name).toBe('liver');

    const listed = JSON.parse((await cli('adapter', 'list', project)).stdout) as { adapters: Array<{ id: number }> };
    expect(listed.adapters.map((adapter) => adapter.id)).toEqual([row.id]);

    const exported = await cli('adapter', 'export', project, String(row.id), path.join(dir, 'out'));
    expect(exported.code, exported.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'out', ADAPTER_WEIGHTS_FILE))).toBe(true);

    const merged = await cli(
      'adapter',
      'merge',
      project,
      String(row.id),
      '--base',
      base.folder,
      '-o',
      path.join(dir, 'm'),
    );
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ path: path.join(dir, 'm'), modelId: 'tiny-base+liver' });

    // Activate by name, then clear with --none; the list marks the active one.
    const activated = await cli('adapter', 'activate', project, 'liver');
    expect(activated.code, activated.stderr).toBe(0);
    expect(JSON.parse(activated.stdout)).toMatchObject({ active: { id: row.id, name: 'liver', active: true } });
    const text = await ctvlm(['--data-dir', dataDir, 'adapter', 'list', project]);
    expect(text.stdout).toMatch(new RegExp(`^${row.id}  liver \\(active\\)  r=2`, 'm'));
    const none = await cli('adapter', 'activate', project, '--none');
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ active: null, adapters: [{ id: row.id, active: false }] });
    const unknown = await cli('adapter', 'activate', project, 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no adapter named "nope"');
    const both = await cli('adapter', 'activate', project, 'liver', '--none');
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('Give an adapter or --none, not both');

    const deleted = await cli('adapter', 'delete', project, String(row.id));
    expect(deleted.code, deleted.stderr).toBe(0);
    const bad = await cli('adapter', 'delete', project, 'x');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('is not an adapter id');
  });
});
