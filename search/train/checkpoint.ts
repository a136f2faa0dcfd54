/**
 * A training checkpoint as plain data: weights and running statistics by their module path,
 * the optimizer's slots by module path too (tf's own variable names are per process), and the
 * position in the schedule. Serialise it as you like (arrays are Float32Array).
 */
import * as tf from '@tensorflow/tfjs';
import type { Module, NamedVariable } from '../nn/module.ts';

export interface SavedTensor { name: string; shape: number[]; values: Float32Array }

export interface TrainCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken (the cosine schedule's position). */
  step: number;
  weights: SavedTensor[];
  optimizer: { kind: string; slots: SavedTensor[] };
}

/** A network's weights and buffers and its optimizer's slots, as they travel to and from data-parallel workers. */
export interface NetworkState { weights: SavedTensor[]; optimizer: SavedTensor[] }

function save(name: string, t: tf.Tensor): SavedTensor {
  return { name, shape: [...t.shape], values: Float32Array.from(t.dataSync()) };
}

/** Weights and buffers of a module, by path. */
export function saveWeights(net: Module): SavedTensor[] {
  return [...net.variables(), ...net.buffers()].map(({ name, variable }) => save(name, variable));
}

/** Assigns saved weights by path; a missing or misshapen entry is an error naming it. */
export function loadWeights(net: Module, saved: SavedTensor[]): void {
  const byName = new Map(saved.map((s) => [s.name, s]));
  for (const { name, variable } of [...net.variables(), ...net.buffers()]) {
    const s = byName.get(name);
    if (!s) throw new Error(`checkpoint has no weight '${name}'`);
    if (s.shape.join() !== variable.shape.join()) throw new Error(`checkpoint weight '${name}' has shape [${s.shape}], the network [${variable.shape}]`);
    tf.tidy(() => variable.assign(tf.tensor(s.values, s.shape)));
  }
}

/** Optimizer slot names carry tf's variable name as a prefix; swap it for the module path. */
function renamer(vars: NamedVariable[], toModule: boolean): (n: string) => string {
  const pairs = vars.map(({ name, variable }) => (toModule ? [variable.name, name] : [name, variable.name]) as [string, string]);
  const map = new Map(pairs);
  return (n) => {
    const slash = n.lastIndexOf('/');
    if (slash < 0) return n;
    const head = map.get(n.slice(0, slash));
    return head === undefined ? n : `${head}${n.slice(slash)}`;
  };
}

export async function saveOptimizer(opt: tf.Optimizer, vars: NamedVariable[]): Promise<SavedTensor[]> {
  const rename = renamer(vars, true);
  const weights = await opt.getWeights();
  const out = weights.map(({ name, tensor }) => save(rename(name), tensor));
  // getWeights makes a fresh scalar for the iteration count; the slots are the optimizer's own.
  weights.filter(({ name }) => !name.includes('/')).forEach(({ tensor }) => tensor.dispose());
  return out;
}

export async function loadOptimizer(opt: tf.Optimizer, vars: NamedVariable[], slots: SavedTensor[]): Promise<void> {
  const rename = renamer(vars, false);
  const tensors = slots.map((s) => ({ name: rename(s.name), tensor: tf.tensor(s.values, s.shape) }));
  await opt.setWeights(tensors);
  // setWeights copies the slots into variables; the iteration scalar is read and left to us.
  tf.dispose(tensors.map((t) => t.tensor));
}
