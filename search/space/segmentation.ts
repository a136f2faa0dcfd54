/**
 * Segmentation choices on top of a cell or block space: a genotype also picks its head and
 * whether a spatial path runs beside the backbone (SegmentationChoice in types.ts). The inner
 * space handles the cells or blocks; this wrapper samples, mutates, crosses, keys and validates
 * the two extra fields, so evolution searches them like any other choice. A genotype without them
 * (e.g. derived by DARTS from cell weights alone) takes the space's first choices.
 */
import type { Rng } from '../util/rng.ts';
import { UsageError } from '../util/errors.ts';
import { fieldError } from './issues.ts';
import type { BlockSpace } from './block.ts';
import type { CellSpace } from './cell.ts';
import type { BlockGenotype, CellGenotype, SegmentationChoice } from './types.ts';

type SegSpace = CellSpace | BlockSpace;

function strip<G extends CellGenotype | BlockGenotype>(g: G): G {
  const { head: _h, spatialPath: _s, ...rest } = g;
  return rest as G;
}

export function withSegmentation<S extends SegSpace>(inner: S): S {
  const seg = inner.def.segmentation;
  if (!seg) throw new Error(`space '${inner.name}' has no segmentation section`);
  if (inner.def.task !== 'segmentation') throw new UsageError(`space '${inner.name}': a segmentation section needs task 'segmentation', not '${inner.def.task}'`);
  const { heads, spatialPath: paths } = seg;
  const choice = (g: SegmentationChoice): Required<SegmentationChoice> => ({ head: g.head ?? heads[0], spatialPath: g.spatialPath ?? paths[0] });
  const choicesLeft = heads.length - 1 + paths.length - 1;
  type G = Parameters<S['key']>[0];
  const sp = inner as unknown as SegSpace & { mutate(g: G, rng: Rng): G; crossover(a: G, b: G, rng: Rng): G; sample(rng: Rng): G; key(g: G): string; describe(g: G): string; validate(g: unknown, source?: string): G };

  const mutateChoice = (c: Required<SegmentationChoice>, rng: Rng): Required<SegmentationChoice> => {
    const options = [
      ...heads.filter((h) => h !== c.head).map((head) => ({ ...c, head })),
      ...paths.filter((p) => p !== c.spatialPath).map((spatialPath) => ({ ...c, spatialPath })),
    ];
    return rng.pick(options);
  };

  const wrapped = {
    ...inner,
    sample: (rng: Rng) => ({ ...sp.sample(rng), head: rng.pick(heads), spatialPath: rng.pick(paths) }),
    // A head or path change with the share of its alternatives among all choices, at least 1/8.
    mutate: (g: G, rng: Rng) => (choicesLeft > 0 && rng.next() < Math.max(0.125, choicesLeft / (choicesLeft + 8))
      ? { ...g, ...mutateChoice(choice(g), rng) }
      : { ...sp.mutate(strip(g), rng), ...choice(g) }),
    crossover: (a: G, b: G, rng: Rng) => ({
      ...sp.crossover(strip(a), strip(b), rng),
      head: choice(rng.next() < 0.5 ? a : b).head,
      spatialPath: choice(rng.next() < 0.5 ? a : b).spatialPath,
    }),
    key: (g: G) => {
      const c = choice(g);
      return `${sp.key(strip(g))}|head=${c.head}|spatial=${c.spatialPath ? 1 : 0}`;
    },
    describe: (g: G) => {
      const c = choice(g);
      return `${sp.describe(strip(g))}\nhead: ${c.head}${c.spatialPath ? ', with spatial path' : ''}`;
    },
    validate: (g: unknown, source = 'genotype') => {
      if (!g || typeof g !== 'object' || Array.isArray(g)) return sp.validate(g, source);
      const { head, spatialPath, ...rest } = g as Record<string, unknown>;
      const base = sp.validate(rest, source);
      if (head !== undefined && !(heads as unknown[]).includes(head)) throw fieldError(source, ['head'], `expected one of ${heads.join(', ')}`);
      if (spatialPath !== undefined && !(paths as unknown[]).includes(spatialPath)) throw fieldError(source, ['spatialPath'], `expected one of ${paths.join(', ')}`);
      return { ...base, ...choice({ head: head as SegmentationChoice['head'], spatialPath: spatialPath as boolean | undefined }) };
    },
  };
  return wrapped as unknown as S;
}

/** The head and spatial-path choice of a genotype of `space` (first choices when absent). */
export function segmentationChoice(space: SegSpace, g: SegmentationChoice): Required<SegmentationChoice> {
  const seg = space.def.segmentation;
  if (!seg) throw new Error(`space '${space.name}' has no segmentation section`);
  return { head: g.head ?? seg.heads[0], spatialPath: g.spatialPath ?? seg.spatialPath[0] };
}
