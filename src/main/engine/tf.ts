/**
 * The one place the engine imports TensorFlow.js from. `@tensorflow/tfjs` is used (not tfjs-core
 * alone) because its Node bundle registers every gradient, which training needs; tfjs-core's own
 * `register_all_gradients` is an ES build that plain Node cannot load. The CPU backend is always
 * there as the reference; engine/backends/ registers and chooses the others.
 *
 * Use the functional ops (tf.reshape(x, ...)); chained ops (x.reshape) are avoided so code also
 * runs where only tfjs-core is loaded (the renderer).
 */
import * as tf from '@tensorflow/tfjs';

// Silences tfjs's console advice to install tfjs-node on first use (our backend report says
// what runs and why); errors still surface as exceptions.
tf.env().set('PROD', true);

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
