/**
 * Gradient checkpointing: a block (a ResNet bottleneck, a transformer layer) run so that the
 * backward keeps only its inputs, not its activations, and runs its forward again inside the
 * backward. Peak memory of a training step then holds one block's activations instead of all of
 * them, for about one extra forward of compute.
 *
 * How, in tfjs: the block's forward runs once on a tape of its own, which tells which tensors it
 * reads, and that tape and what it saved are dropped at once, so the block's activations are freed
 * when the forward ends. `tf.customGrad` then records the block as one op on the outer tape: its
 * inputs are the block inputs that can carry a gradient plus the trainable variables the forward
 * read, so gradients reach both (and frozen or unused variables get none, as on the plain path).
 * Its gradient function runs the forward again under a nested `engine.gradients` and
 * differentiates it with respect to those inputs.
 *
 * - The recompute is the same computation: every Dropout / LoRA-dropout stream in the block is
 *   put back to where it stood before the first forward (random-state.ts), so it draws the same
 *   masks, and afterwards back to where it stood, so later masks are unchanged.
 * - BatchNorm3d in training mode uses its running statistics and never updates them; only while it
 *   is calibrating does it write them, and then the block runs plainly (no second update).
 * - Frozen variables are not inputs of the op: no gradient is computed for them.
 * - The tape swaps go through `engine.state.activeTape` (public in tfjs-core's typings).
 * - Nested gradients: tfjs's `gradients` starts a fresh tape when no other is being recorded and
 *   sets it to null when done. In the backward the outer tape is no longer recorded but its saved
 *   tensors are freed from it at the end, so it is put back after the nested call.
 * - Without a tape (evaluation, tf.tidy without gradients) the block simply runs: nothing extra.
 */
import { BugError } from '../../../shared/errors';
import { BatchNorm3d } from '../layers/batch-norm3d';
import type { Module } from '../module';
import { tf, type Tensor, type Variable } from '../tf';
import { takeRandomState } from './random-state';

type Engine = ReturnType<typeof tf.engine>;
type TapeNode = Engine['state']['activeTape'][number];

/**
 * `forward(...inputs)` as a checkpointed block while gradients are recorded. `inputs` must be
 * every non-variable tensor the forward reads (they are kept for the recompute; a tensor only
 * closed over may be gone by then); variables (the block's parameters, or any other) and
 * non-tensor arguments may be closed over. `block` is the module whose random streams and
 * BatchNorm layers the forward uses; the forward must be a function of the inputs, the variables
 * and those streams alone.
 */
export function checkpointed<Inputs extends readonly Tensor[]>(
  block: Module,
  inputs: Inputs,
  forward: (...inputs: Inputs) => Tensor,
): Tensor {
  const engine = tf.engine();
  if (!engine.isTapeOn() || isCalibrating(block)) return forward(...inputs);
  const carries = gradientCarriers(engine);
  const before = takeRandomState(block);
  const { value, read } = forwardReading(engine, () => forward(...inputs));
  const variables = read.filter(isTrainableVariable);
  const readIds = new Set(read.map((tensor) => tensor.id));
  const differentiable = inputs
    .map((input, index) => ({ input, index }))
    .filter(
      ({ input }) =>
        input.dtype === 'float32' && !isTrainableVariable(input) && readIds.has(input.id) && carries(input),
    )
    .map(({ index }) => index);
  // No gradient can pass through this block, or it returned an input as it is (its gradient flows as is).
  if (differentiable.length + variables.length === 0 || inputs.includes(value)) return value;

  const recomputeGradients = (dy: Tensor, saved: Tensor[]): Tensor[] => {
    if (saved.length !== inputs.length) throw new BugError('A checkpointed block lost its saved inputs.');
    // Variables passed as inputs are read as themselves (their gradient is taken as a variable's).
    const replay = inputs.map((input, i) => (input instanceof tf.Variable ? input : (saved[i] as Tensor)));
    const replayed = replay as readonly Tensor[] as Inputs;
    const xs = [...differentiable.map((index) => saved[index] as Tensor), ...variables];
    const after = takeRandomState(block);
    const outerTape = engine.state.activeTape;
    before.restore();
    try {
      return tf.tidy(() => {
        const { value: again, grads } = engine.gradients(() => forward(...replayed), xs, dy, true);
        again.dispose();
        return xs.map((x, i) => grads[i] ?? tf.zerosLike(x));
      });
    } finally {
      const nested = engine.state.activeTape as TapeNode[] | null; // null after a nested call that succeeded
      if (nested && nested !== outerTape) for (const node of nested) tf.dispose(node.saved ?? []);
      engine.state.activeTape = outerTape;
      after.restore();
      tf.dispose(saved); // the block's inputs are needed no longer (the outer tape frees them again, harmlessly)
    }
  };
  const op = tf.customGrad((...args) => {
    const save = args[args.length - 1];
    if (typeof save !== 'function') throw new BugError('tf.customGrad passed no save function.');
    save([...inputs]);
    return { value: tf.clone(value), gradFunc: recomputeGradients };
  });
  const output = op(...differentiable.map((index) => inputs[index] as Tensor), ...variables);
  value.dispose();
  return output;
}

/**
 * Runs the block's first forward on a tape of its own, to learn which tensors it reads (the
 * trainable variables among them, wherever they live, are the op's variables: those it does not
 * read get no gradient, as on the plain path), then drops that tape and the tensors it saved, so
 * the block's activations are freed as soon as the forward ends. `read` lists each tensor once.
 */
function forwardReading(engine: Engine, run: () => Tensor): { value: Tensor; read: Tensor[] } {
  const outer = engine.state.activeTape;
  engine.state.activeTape = [];
  try {
    const value = tf.tidy(run);
    const read = new Map<number, Tensor>();
    for (const node of engine.state.activeTape)
      for (const tensor of Object.values(node.inputs)) read.set(tensor.id, tensor);
    return { value, read: [...read.values()] };
  } finally {
    const local = engine.state.activeTape;
    engine.state.activeTape = outer;
    for (const node of local) tf.dispose(node.saved ?? []);
  }
}

function isTrainableVariable(tensor: Tensor): tensor is Variable {
  return tensor instanceof tf.Variable && tensor.trainable;
}

function isCalibrating(block: Module): boolean {
  return block.namedModules().some(([, module]) => module instanceof BatchNorm3d && module.calibrating);
}

/**
 * Whether a gradient can reach a tensor on the tape being recorded: it is a trainable variable, or
 * the output of a recorded op with such an input. The scan of the tape is kept per tape and
 * extended with the nodes added since, so a step scans its tape once however many blocks ask.
 */
const carrierScans = new WeakMap<TapeNode[], { scanned: number; ids: Set<number> }>();

function gradientCarriers(engine: Engine): (tensor: Tensor) => boolean {
  const tape = engine.state.activeTape;
  let scan = carrierScans.get(tape);
  if (!scan) {
    scan = { scanned: 0, ids: new Set<number>() };
    carrierScans.set(tape, scan);
  }
  const { ids } = scan;
  const carries = (tensor: Tensor): boolean => ids.has(tensor.id) || isTrainableVariable(tensor);
  for (; scan.scanned < tape.length; scan.scanned += 1) {
    const node = tape[scan.scanned];
    if (node && Object.values(node.inputs).some(carries)) for (const output of node.outputs) ids.add(output.id);
  }
  return carries;
}

/** A module whose block loop can run checkpointed (I3ResNet's stages, BERT / Longformer / CTViT layer stacks). */
export interface CheckpointableStack {
  gradientCheckpointing: boolean;
}

function isCheckpointableStack(module: Module): module is Module & CheckpointableStack {
  return 'gradientCheckpointing' in module && typeof module.gradientCheckpointing === 'boolean';
}

/** Turn checkpointing on or off in every block stack under `root`; returns how many stacks there are. */
export function switchGradientCheckpointing(root: Module, on: boolean): number {
  const stacks = root
    .namedModules()
    .map(([, module]) => module)
    .filter(isCheckpointableStack);
  for (const stack of stacks) stack.gradientCheckpointing = on;
  return stacks.length;
}
