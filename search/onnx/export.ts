/**
 * A Network as an ONNX model (opset 13): NHWC float input [N, h, w, c] as search/nn takes it,
 * transposed once to NCHW; output [N, classes] logits, or [N, h, w, classes] for segmentation
 * (transposed back, so both runtimes give the same layout).
 */
import type { Shape } from '../nn/module.ts';
import type { Network } from '../nn/network.ts';
import { GraphBuilder } from './graph.ts';
import { Translator } from './translate.ts';

export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';

export interface OnnxExportOptions {
  /** Per-image input shape [h, w, c]; default the network's own. Fixed in the model (window masks and pooling matrices depend on it). */
  inShape?: Shape;
  /** Stored as the model's metadata_props (e.g. the genotype and space, as JSON). */
  metadata?: Record<string, string>;
  docString?: string;
}

export function exportOnnx(net: Network, o: OnnxExportOptions = {}): Uint8Array {
  const inShape = o.inShape ?? net.config.inShape;
  const g = new GraphBuilder();
  const t = new Translator(g);
  const input = g.name(ONNX_INPUT);
  const x = { name: g.op('Transpose', [input], 'input_nchw', { perm: [0, 3, 1, 2] }), shape: inShape };
  const features = t.backbone(net.backbone, x, 'backbone');
  const y = t.head(net.head, features, inShape, 'head');
  const expected = net.outputShape(inShape);
  if (expected.join() !== y.shape.join()) throw new Error(`onnx export: the graph gives [${y.shape}], the network [${expected}]`);
  const output = g.name(ONNX_OUTPUT);
  const map = y.shape.length === 3;
  g.node(map ? 'Transpose' : 'Identity', [y.name], 'output', map ? { perm: [0, 2, 3, 1] } : {}, [output]);
  return g.encode({ input, inputDims: inShape, output, outputDims: expected, docString: o.docString, metadata: o.metadata });
}
