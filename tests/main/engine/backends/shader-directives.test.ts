/**
 * `enable` directives written inside a program's code are moved to the top of the module tfjs
 * builds (WGSL rejects them after any declaration), once each, leaving other code alone.
 */
import { describe, expect, it } from 'vitest';
import { hoistEnableDirectives } from '../../../../src/main/engine/backends/shader-directives';

describe('hoistEnableDirectives', () => {
  it('moves every enable line to the top, deduplicated', () => {
    const code = 'struct Uniforms { a : f32, };\n  enable f16;\nfn f() {}\nenable   f16;\nenable subgroups;\nfn g() {}';
    const hoisted = hoistEnableDirectives(code);
    expect(hoisted.split('\n').slice(0, 2)).toEqual(['enable f16;', 'enable subgroups;']);
    expect(hoisted.match(/enable/g)).toHaveLength(2);
    expect(hoisted).toContain('struct Uniforms { a : f32, };\n');
    expect(hoisted).toContain('fn f() {}');
    expect(hoisted).toContain('fn g() {}');
  });

  it('leaves code without directives unchanged, and does not touch identifiers that contain "enable"', () => {
    const code = 'fn enabled() -> bool { return true; }\nlet enable_x = 1;';
    expect(hoistEnableDirectives(code)).toBe(code);
  });
});
