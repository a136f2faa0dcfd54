/** Fingerprints (FNV-1a over 32-bit words) that data-parallel workers compare instead of the data itself. */
import type * as tf from '@tensorflow/tfjs';

export const FNV_OFFSET = 0x811c9dc5;

/** Folds 32-bit words into an FNV-1a hash `h` (start from FNV_OFFSET). */
export function fnv1a(words: Uint32Array, h = FNV_OFFSET): number {
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193) >>> 0;
  return h;
}

export const hex32 = (h: number): string => h.toString(16).padStart(8, '0');

/** A digest of text (its code points): what a step drew, written out, in 8 hex digits. */
export const textDigest = (text: string): string => hex32(fnv1a(Uint32Array.from(text, (ch) => ch.codePointAt(0)!)));

/** A fingerprint of variables' exact float bits: equal digests, equal weights. */
export function variablesDigest(vars: readonly tf.Variable[]): string {
  let h = FNV_OFFSET;
  for (const v of vars) h = fnv1a(new Uint32Array(Float32Array.from(v.dataSync() as Float32Array).buffer), h);
  return hex32(h);
}
