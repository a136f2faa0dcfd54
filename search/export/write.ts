/**
 * Writes a network in the export formats: genotype.json, a TF.js model and an ONNX model checked
 * against TF.js in onnxruntime (not written when they differ). `cellscape export` and `cellscape
 * specialise` write through it, so every export is checked the same way.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Network } from '../nn/network.ts';
import { writeGenotypeExport } from './genotype-json.ts';
import type { GenotypeExport, InputSpec } from './schema.ts';

export const EXPORT_FORMATS = ['json', 'tfjs', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What was written: a line per file, and the files by format (as a candidate's `extra.exports` registers them). */
export interface Written { lines: string[]; files: Partial<Record<ExportFormat, string>> }

export async function writeExportFormats(o: { formats: readonly ExportFormat[]; out: string; net: Network; doc: GenotypeExport; normalize: InputSpec['normalize']; seed: number }): Promise<Written> {
  const { formats, out, net, doc, normalize } = o;
  const lines: string[] = [];
  const files: Written['files'] = {};
  if (formats.includes('json')) {
    writeGenotypeExport(join(out, 'genotype.json'), doc);
    lines.push(join(out, 'genotype.json'));
    files.json = resolve(out, 'genotype.json');
  }
  if (formats.includes('tfjs')) {
    const { saveTfjsModel, MODEL_JSON } = await import('./tfjs.ts');
    await saveTfjsModel(out, net, doc, normalize);
    lines.push(join(out, MODEL_JSON));
    files.tfjs = resolve(out);
  }
  if (formats.includes('onnx')) {
    const { exportOnnx } = await import('../onnx/export.ts');
    const { compareOnnx } = await import('./check-onnx.ts');
    const model = exportOnnx(net, { metadata: { 'cellscape.genotype': JSON.stringify(doc), 'cellscape.input': JSON.stringify({ layout: 'NHWC', normalize }) } });
    const check = await compareOnnx(model, net, { seed: o.seed });
    // Trained logits can be large: the bound scales with them.
    if (check.maxAbsDiff > 1e-4 * Math.max(1, check.maxAbsOutput)) {
      throw new Error(`onnx export: onnxruntime differs from tfjs by up to ${check.maxAbsDiff} (outputs up to ${check.maxAbsOutput}); model not written`);
    }
    writeFileSync(join(out, 'model.onnx'), model);
    lines.push(`${join(out, 'model.onnx')} (onnxruntime vs tfjs: max abs difference ${check.maxAbsDiff.toExponential(2)})`);
    files.onnx = resolve(out, 'model.onnx');
  }
  return { lines, files };
}
