/**
 * A network as the units a latency lookup table prices: every edge op and preprocessing layer
 * of every cell (every layer of a block network), the stem and the head, each with its input shape and table key
 * (Layer.latencyKey). Node sums and concatenations are not priced: they are the same few
 * element-wise ops in every genotype of a space, so they shift every prediction alike.
 */
import type * as tf from '@tensorflow/tfjs';
import { Layer, type Module, type Shape } from '../nn/module.ts';
import type { Head, Network } from '../nn/network.ts';
import type { DartsCell } from '../nn/cell.ts';
import { Nb201Cell } from '../nn/nb201.ts';

export interface LatencyUnit {
  key: string;
  /** Per-image input shapes (one per input tensor). */
  inShapes: Shape[];
  run(inputs: tf.Tensor[]): tf.Tensor;
}

function child(m: Module, name: string): Module {
  const c = m.children().find(([n]) => n === name)?.[1];
  if (!c) throw new Error(`${m.kind} has no child '${name}'`);
  return c;
}

export function layerUnit(m: Module, inShape: Shape): LatencyUnit {
  if (!(m instanceof Layer)) throw new Error(`${m.kind} is not a layer`);
  return { key: m.latencyKey(inShape), inShapes: [inShape], run: ([x]) => m.forward(x, false) };
}

function dartsUnits(backbone: Module, inShape: Shape): LatencyUnit[] {
  const stem = child(backbone, 'stem') as Layer;
  const units = [layerUnit(stem, inShape)];
  let s0 = stem.outputShape(inShape);
  let s1 = s0;
  for (const [, m] of child(backbone, 'cells').children()) {
    const cell = m as DartsCell;
    const pre0 = child(cell, 'preprocess0') as Layer;
    const pre1 = child(cell, 'preprocess1') as Layer;
    units.push(layerUnit(pre0, s0), layerUnit(pre1, s1));
    const states: Shape[] = [pre0.outputShape(s0), pre1.outputShape(s1)];
    const edges = cell.edges.items;
    cell.config.edges.forEach((e, i) => {
      units.push(layerUnit(edges[i], states[e.input]));
      if (states.length < e.node + 3) states.push(edges[i].outputShape(states[e.input]));
    });
    [s0, s1] = [s1, cell.outputShape(s0, s1)];
  }
  return units;
}

function nb201Units(backbone: Module, inShape: Shape): LatencyUnit[] {
  const stem = child(backbone, 'stem') as Layer;
  const units = [layerUnit(stem, inShape)];
  let s = stem.outputShape(inShape);
  for (const [, m] of child(backbone, 'cells').children()) {
    const u = m as Layer;
    if (u instanceof Nb201Cell) for (const op of u.edges.items) units.push(layerUnit(op, s));
    else units.push(layerUnit(u, s));
    s = u.outputShape(s);
  }
  units.push(layerUnit(child(backbone, 'lastact'), s));
  return units;
}

/** Block networks: the stem, then every layer of every stage in order (a layer's residual is part of it). */
function blockUnits(backbone: Module, inShape: Shape): LatencyUnit[] {
  const stem = child(backbone, 'stem') as Layer;
  const units = [layerUnit(stem, inShape)];
  let s = stem.outputShape(inShape);
  for (const [, stage] of child(backbone, 'stages').children()) {
    for (const [, m] of stage.children()) {
      units.push(layerUnit(m, s));
      s = (m as Layer).outputShape(s);
    }
  }
  return units;
}

/** The head, priced on the backbone's feature shapes. */
export function headUnit(head: Head, featureShapes: Shape[], inShape: Shape): LatencyUnit {
  return { key: `${head.kind}@${featureShapes.map((s) => s.join('x')).join('+')}`, inShapes: featureShapes, run: (features) => head.forward(features, inShape, false) };
}

export function latencyUnits(net: Network, inShape: Shape = net.config.inShape): LatencyUnit[] {
  const { backbone, head } = net;
  let units: LatencyUnit[];
  if (backbone.kind === 'darts_backbone') units = dartsUnits(backbone, inShape);
  else if (backbone.kind === 'nb201_backbone') units = nb201Units(backbone, inShape);
  else if (backbone.kind === 'block_backbone') units = blockUnits(backbone, inShape);
  else throw new Error(`latency units of ${backbone.kind} networks are not defined yet`);
  units.push(headUnit(head, backbone.featureShapes(inShape), inShape));
  return units;
}
