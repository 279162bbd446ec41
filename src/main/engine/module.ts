/**
 * A small PyTorch-like module tree: each module owns named parameters (tf.Variable), buffers
 * (state that is saved but never trained, like BatchNorm's running statistics) and child
 * modules. Dotted names ("layer1.0.conv1.weight") match the reference checkpoints' state-dict
 * keys, so a checkpoint maps onto a model key for key.
 *
 * Stored tensors keep PyTorch's layout (Conv3d weight [out, in, kd, kh, kw], Linear weight
 * [out, in]); layers transpose to tfjs's layout (NDHWC activations) inside their forward pass.
 */
import { BugError, UserError } from '../../shared/errors';
import { tf, type Tensor, type Variable } from './tf';

export interface StateDictReport {
  missing: string[];
  unexpected: string[];
  shapeMismatch: Array<{ key: string; expected: number[]; found: number[] }>;
}

/** A module with a forward pass on one tensor (Linear, Conv3d, their LoRA wrappers, ...). */
export interface Layer extends Module {
  apply(x: Tensor): Tensor;
}

export abstract class Module {
  private readonly ownParameters = new Map<string, Variable>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly childModules = new Map<string, Module>();
  private isTraining = false;

  protected registerParameter(name: string, initial: Tensor, trainable = true): Variable {
    this.assertFreeName(name);
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    this.ownParameters.set(name, variable);
    return variable;
  }

  protected registerBuffer(name: string, initial: Tensor): void {
    this.assertFreeName(name);
    this.ownBuffers.set(name, tf.keep(initial));
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.assertFreeName(name);
    this.childModules.set(name, module);
    return module;
  }

  /** Replace a child (used by LoRA to wrap a layer in place). */
  replaceModule(name: string, module: Module): void {
    if (!this.childModules.has(name)) throw new BugError(`${this.constructor.name} has no child ${name} to replace.`);
    this.childModules.set(name, module);
  }

  protected buffer(name: string): Tensor {
    const value = this.ownBuffers.get(name);
    if (!value) throw new BugError(`${this.constructor.name} has no buffer ${name}.`);
    return value;
  }

  /** Replace a buffer's value, disposing the old one. */
  protected setBuffer(name: string, value: Tensor): void {
    const old = this.ownBuffers.get(name);
    this.ownBuffers.set(name, tf.keep(value));
    if (old && old !== value) old.dispose();
  }

  /**
   * The child named `name` as it is now. Forward passes call children through this, never
   * through a field kept from construction, so a layer that LoRA wrapped in place is used.
   */
  protected layer(name: string): Layer {
    const child = this.childModules.get(name);
    if (!child || !('apply' in child) || typeof child.apply !== 'function') {
      throw new BugError(`${this.constructor.name} has no layer named ${name}.`);
    }
    return child as Layer;
  }

  children(): Array<[string, Module]> {
    return [...this.childModules.entries()];
  }

  namedModules(prefix = ''): Array<[string, Module]> {
    const result: Array<[string, Module]> = [[prefix, this]];
    for (const [name, child] of this.childModules)
      result.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return result;
  }

  namedParameters(prefix = ''): Array<[string, Variable]> {
    const result: Array<[string, Variable]> = [];
    for (const [name, variable] of this.ownParameters) result.push([prefix ? `${prefix}.${name}` : name, variable]);
    for (const [name, child] of this.childModules)
      result.push(...child.namedParameters(prefix ? `${prefix}.${name}` : name));
    return result;
  }

  namedBuffers(prefix = ''): Array<[string, Tensor]> {
    const result: Array<[string, Tensor]> = [];
    for (const [name, value] of this.ownBuffers) result.push([prefix ? `${prefix}.${name}` : name, value]);
    for (const [name, child] of this.childModules)
      result.push(...child.namedBuffers(prefix ? `${prefix}.${name}` : name));
    return result;
  }

  trainableParameters(): Variable[] {
    return this.namedParameters()
      .map(([, variable]) => variable)
      .filter((variable) => variable.trainable);
  }

  /** Freeze or unfreeze parameters by their dotted name. */
  setTrainable(predicate: (name: string) => boolean): void {
    for (const [name, variable] of this.namedParameters()) variable.trainable = predicate(name);
  }

  parameterCount(onlyTrainable = false): number {
    return this.namedParameters()
      .filter(([, variable]) => !onlyTrainable || variable.trainable)
      .reduce((sum, [, variable]) => sum + variable.size, 0);
  }

  get training(): boolean {
    return this.isTraining;
  }

  /** Training mode (dropout on) or evaluation mode, for this module and all below it. */
  train(on = true): this {
    for (const [, module] of this.namedModules()) module.isTraining = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copy values into parameters and buffers by name. With `strict`, any missing, unexpected or
   * mis-shaped key refuses the whole load and nothing is changed.
   */
  loadStateDict(values: ReadonlyMap<string, Tensor>, options: { strict: boolean } = { strict: true }): StateDictReport {
    const parameters = new Map(this.namedParameters());
    const buffers = new Map(this.namedBuffers());
    const known = new Set([...parameters.keys(), ...buffers.keys()]);
    const report: StateDictReport = {
      missing: [...known].filter((key) => !values.has(key)),
      unexpected: [...values.keys()].filter((key) => !known.has(key)),
      shapeMismatch: [],
    };
    for (const [key, value] of values) {
      const target = parameters.get(key) ?? buffers.get(key);
      if (target && !sameShape(target.shape, value.shape)) {
        report.shapeMismatch.push({ key, expected: [...target.shape], found: [...value.shape] });
      }
    }
    const problems = report.missing.length + report.unexpected.length + report.shapeMismatch.length;
    if (options.strict && problems > 0) {
      throw new UserError(
        'INVALID_INPUT',
        `The weights do not fit this model: ${describeReport(report)}. Nothing was loaded.`,
      );
    }
    for (const [key, value] of values) {
      const parameter = parameters.get(key);
      if (parameter && sameShape(parameter.shape, value.shape)) {
        const cast = value.dtype === 'float32' ? value : tf.cast(value, 'float32');
        parameter.assign(cast);
        if (cast !== value) cast.dispose();
      } else if (buffers.has(key) && sameShape(buffers.get(key)?.shape ?? [], value.shape))
        this.assignBuffer(key, value);
    }
    return report;
  }

  dispose(): void {
    for (const variable of this.ownParameters.values()) variable.dispose();
    for (const value of this.ownBuffers.values()) value.dispose();
    for (const child of this.childModules.values()) child.dispose();
    this.ownParameters.clear();
    this.ownBuffers.clear();
    this.childModules.clear();
  }

  private assignBuffer(dottedName: string, value: Tensor): void {
    const dot = dottedName.indexOf('.');
    if (dot < 0) {
      this.setBuffer(dottedName, tf.clone(value));
      return;
    }
    const child = this.childModules.get(dottedName.slice(0, dot));
    if (!child) throw new BugError(`No module on the way to buffer ${dottedName}.`);
    child.assignBuffer(dottedName.slice(dot + 1), value);
  }

  private assertFreeName(name: string): void {
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new BugError(`"${name}" is not a valid module member name.`);
    if (this.ownParameters.has(name) || this.ownBuffers.has(name) || this.childModules.has(name)) {
      throw new BugError(`${this.constructor.name} already has a member named ${name}.`);
    }
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

export function describeReport(report: StateDictReport): string {
  const parts: string[] = [];
  const list = (keys: string[]): string =>
    `${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''}`;
  if (report.missing.length) parts.push(`missing ${list(report.missing)}`);
  if (report.unexpected.length) parts.push(`unexpected ${list(report.unexpected)}`);
  for (const mismatch of report.shapeMismatch.slice(0, 5)) {
    parts.push(
      `${mismatch.key} is [${mismatch.found.join(', ')}] but the model needs [${mismatch.expected.join(', ')}]`,
    );
  }
  return parts.join('; ') || 'no differences';
}
