/** Checkpoints: every variable of a module (trainable and running statistics) by hierarchical name. */
import * as tf from '@tensorflow/tfjs';
import type { Module } from './module.ts';

export interface NamedWeight { data: Float32Array; shape: number[] }
export type WeightMap = Map<string, NamedWeight>;

/** Trainable variables first, then buffers (`...running_mean`), in module order. */
export function saveWeights(m: Module): WeightMap {
  const out: WeightMap = new Map();
  for (const { name, variable } of [...m.variables(), ...m.buffers()]) {
    out.set(name, { data: variable.dataSync() as Float32Array, shape: [...variable.shape] });
  }
  return out;
}

/**
 * Assigns weights by name. Strict (default): every variable must be present, none extra.
 * Non-strict: loads the names that exist in both (e.g. weights inherited from a supernet).
 * Shapes must always agree. Returns the names loaded.
 */
export function loadWeights(m: Module, weights: WeightMap, o: { strict?: boolean } = {}): string[] {
  const strict = o.strict ?? true;
  const targets = new Map([...m.variables(), ...m.buffers()].map(({ name, variable }) => [name, variable]));
  if (strict) {
    const missing = [...targets.keys()].filter((n) => !weights.has(n));
    const extra = [...weights.keys()].filter((n) => !targets.has(n));
    if (missing.length || extra.length) {
      throw new Error(`weights do not match the module: missing [${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}], unexpected [${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''}]`);
    }
  }
  const loaded: string[] = [];
  for (const [name, variable] of targets) {
    const w = weights.get(name);
    if (!w) continue;
    if (w.shape.join() !== variable.shape.join()) throw new Error(`weight '${name}': shape [${w.shape}] does not match the variable's [${variable.shape}]`);
    if (w.data.length !== variable.size) throw new Error(`weight '${name}': ${w.data.length} values for shape [${w.shape}]`);
    tf.tidy(() => variable.assign(tf.tensor(w.data, w.shape)));
    loaded.push(name);
  }
  return loaded;
}
