/**
 * The relative position bias of Swin window attention at one resolution, gathered from its table
 * by search/nn/attention.ts's index so the export folds it into a constant (the shift mask is
 * attention.ts's shiftedWindowMask as it is); the ONNX tests check both against the tfjs forward pass.
 */
import { relativePositionIndex } from '../nn/attention.ts';

/** Bias [heads, n, n] for a ws x ws window from a [(2W-1)^2, heads] table, W the table's window size. */
export function relativeBias(table: Float32Array, heads: number, tableWindow: number, ws: number): Float32Array {
  const idx = relativePositionIndex(tableWindow, ws);
  const nn = idx.length;
  const out = new Float32Array(heads * nn);
  for (let p = 0; p < nn; p++) {
    for (let h = 0; h < heads; h++) out[h * nn + p] = table[idx[p] * heads + h];
  }
  return out;
}
