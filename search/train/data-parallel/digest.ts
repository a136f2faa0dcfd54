/** A fingerprint of variables' exact float bits (FNV-1a over their 32-bit words): equal digests, equal weights. */
import type * as tf from '@tensorflow/tfjs';

export function variablesDigest(vars: readonly tf.Variable[]): string {
  let h = 0x811c9dc5;
  for (const v of vars) {
    const words = new Uint32Array(Float32Array.from(v.dataSync() as Float32Array).buffer);
    for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
