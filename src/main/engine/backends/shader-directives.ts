/**
 * WGSL allows `enable` directives (such as `enable f16;`) only before every declaration, but
 * tfjs-backend-webgpu builds a module as its own declarations followed by the program's code, so
 * a program cannot put one first. The engine's programs write the directive in their code, and
 * the device's createShaderModule is wrapped to move every such line to the top (once each).
 */
import type { GPUDevice } from './webgpu-types';

const DIRECTIVE_LINE = /^[ \t]*enable[ \t]+[A-Za-z0-9_, \t]+;[ \t]*$/gm;

/** The code with its `enable ...;` lines moved, deduplicated, to the top; unchanged without any. */
export function hoistEnableDirectives(code: string): string {
  const directives = code.match(DIRECTIVE_LINE);
  if (!directives) return code;
  const unique = [...new Set(directives.map((line) => line.trim().replace(/\s+/g, ' ')))];
  return `${unique.join('\n')}\n${code.replace(DIRECTIVE_LINE, '')}`;
}

type ShaderModuleDescriptor = Parameters<GPUDevice['createShaderModule']>[0];

/** Makes `device.createShaderModule` hoist enable directives (idempotent). */
export function hoistShaderDirectives(device: GPUDevice): void {
  if (Reflect.get(device, HOISTING) === true) return;
  const original = device.createShaderModule.bind(device);
  const hoisting = (descriptor: ShaderModuleDescriptor): ReturnType<GPUDevice['createShaderModule']> =>
    original({ ...descriptor, code: hoistEnableDirectives(descriptor.code) });
  Reflect.defineProperty(device, 'createShaderModule', { value: hoisting, configurable: true, writable: true });
  Reflect.defineProperty(device, HOISTING, { value: true });
}

const HOISTING = Symbol('ctvlm.hoistShaderDirectives');
