/**
 * The units a block space's networks can contain, for its latency lookup table: the stem, every
 * layer variant (operation, kernel, expansion or attention kind) at every width of its stage,
 * both as a stage's first layer (strided, from each width of the stage before) and as a later one,
 * and the head at every width of the last stage (under each key the feature levels give it). Built as units, not as networks: enough networks
 * to cover them all would hold gigabytes of weights at once.
 */
import { buildBlockLayer } from '../nn/block.ts';
import { buildHead } from '../nn/heads.ts';
import type { Module, Shape } from '../nn/module.ts';
import { convBnRelu } from '../nn/ops.ts';
import type { BlockSpace } from '../space/block.ts';
import type { BlockOpChoice } from '../space/schema.ts';
import type { BlockLayer } from '../space/types.ts';
import { UsageError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import { headUnit, layerUnit, type LatencyUnit } from './units.ts';

/** A stage's layer choices without their width, in nn op names (window attention is `win_attn`). */
function variants(ops: readonly BlockOpChoice[]): Omit<BlockLayer, 'width'>[] {
  return ops.flatMap((c): Omit<BlockLayer, 'width'>[] => {
    if (c.op === 'conv' || c.op === 'hardnet') return c.kernel.map((kernel) => ({ op: c.op, kernel }));
    if (c.op === 'mbconv') return c.kernel.flatMap((kernel) => c.expand.map((expand) => ({ op: 'mbconv', kernel, expand })));
    if (c.op === 'attention') return c.kind.map((k) => ({ op: k === 'window' ? 'win_attn' : 'attention' }));
    return [{ op: c.op }];
  });
}

export function blockCoverageUnits(space: BlockSpace, inShape: Shape, classes: number, rng: Rng): { units: LatencyUnit[]; modules: Module[] } {
  const def = space.def;
  if (def.task !== 'classification') throw new UsageError(`space '${space.name}': lookup tables of ${def.task} block spaces are not supported yet`);
  const modules: Module[] = [];
  const stem = convBnRelu(inShape[2], def.stem.width, 3, def.stem.stride, rng);
  modules.push(stem);
  const units = [layerUnit(stem, inShape)];
  let [h, w] = stem.outputShape(inShape);
  let prevWidths = [def.stem.width];
  // The head's key names every feature level (one per resolution, at its last stage's width).
  const levels: { side: [number, number]; widths: number[] }[] = [{ side: [h, w], widths: prevWidths }];
  def.stages.forEach((sd, s) => {
    let out: Shape = [h, w];
    for (const width of space.widths[s]) {
      for (const v of variants(sd.ops)) {
        const l = { ...v, width } as BlockLayer;
        for (const cin of prevWidths) {
          const first = buildBlockLayer(l, cin, sd.stride, rng, { windowSize: def.windowSize });
          modules.push(first);
          units.push(layerUnit(first, [h, w, cin]));
          out = first.outputShape([h, w, cin]);
        }
        if (Math.max(...sd.depth) > 1) {
          const later = buildBlockLayer(l, width, 1, rng, { windowSize: def.windowSize });
          modules.push(later);
          units.push(layerUnit(later, [out[0], out[1], width]));
        }
      }
    }
    [h, w] = out;
    prevWidths = space.widths[s];
    const level = { side: [h, w] as [number, number], widths: prevWidths };
    if (levels.at(-1)!.side.join() === level.side.join()) levels[levels.length - 1] = level;
    else levels.push(level);
  });
  const combos = levels.reduce<Shape[][]>((acc, l) => acc.flatMap((c) => l.widths.map((width) => [...c, [...l.side, width]])), [[]]);
  for (const width of prevWidths) {
    const head = buildHead(undefined, 'classification', [[h, w, width]], classes, rng);
    modules.push(head);
    // A classifier reads the deepest level only: one head serves every combination of the others.
    for (const shapes of combos.filter((c) => c.at(-1)![2] === width)) {
      const unit = headUnit(head, shapes, inShape);
      units.push({ ...unit, inShapes: [[h, w, width]], run: ([x]) => head.forward([x], inShape, false) });
    }
  }
  return { units, modules };
}
