/**
 * Segmentation choices on top of a cell or block space: a genotype also picks its head, whether a
 * spatial path runs beside the backbone, how that path takes the context levels, and (block
 * spaces) its output stride (SegmentationChoice in types.ts). The inner space handles the cells or
 * blocks; this wrapper samples, mutates, crosses, keys and validates the extra fields, so evolution
 * searches them like any other choice. A genotype without them (e.g. derived by DARTS from cell
 * weights alone) takes the space's first choices. Fields a space does not search (one option, the
 * default) stay out of its genotypes and keys, so genotypes and keys of older spaces are unchanged.
 */
import type { Rng } from '../util/rng.ts';
import { UsageError } from '../util/errors.ts';
import { fieldError } from './issues.ts';
import type { BlockSpace } from './block.ts';
import type { CellSpace } from './cell.ts';
import type { BlockGenotype, CellGenotype, SegmentationChoice } from './types.ts';

type SegSpace = CellSpace | BlockSpace;
type Choice = Required<SegmentationChoice>;
type Field = keyof Choice;

const FIELDS: readonly Field[] = ['head', 'spatialPath', 'contextPath', 'outputStride'];
/** The value a field has where a space does not offer it (what every network had before it existed). */
const DEFAULTS: Partial<Choice> = { contextPath: 'resize', outputStride: 32 };

function options(space: SegSpace): { [F in Field]: readonly Choice[F][] } {
  const seg = space.def.segmentation;
  if (!seg) throw new Error(`space '${space.name}' has no segmentation section`);
  return { head: seg.heads, spatialPath: seg.spatialPath, contextPath: seg.contextPath, outputStride: seg.outputStride as Choice['outputStride'][] };
}

/** The context path matters only beside a spatial path; without one it is the default. */
function canonical(c: Choice): Choice {
  return c.spatialPath ? c : { ...c, contextPath: 'resize' };
}

function strip<G extends CellGenotype | BlockGenotype>(g: G): G {
  const { head: _h, spatialPath: _s, contextPath: _c, outputStride: _o, ...rest } = g;
  return rest as G;
}

export function withSegmentation<S extends SegSpace>(inner: S): S {
  if (!inner.def.segmentation) throw new Error(`space '${inner.name}' has no segmentation section`);
  if (inner.def.task !== 'segmentation') throw new UsageError(`space '${inner.name}': a segmentation section needs task 'segmentation', not '${inner.def.task}'`);
  const opts = options(inner);
  const choice = (g: SegmentationChoice): Choice => segmentationChoice(inner, g);
  // Fields of the genotype: head and spatial path always (as before), the others when searched or not at their default.
  const shown = (c: Choice): SegmentationChoice => Object.fromEntries(FIELDS
    .filter((f) => f === 'head' || f === 'spatialPath' || opts[f].length > 1 || c[f] !== DEFAULTS[f])
    .map((f) => [f, c[f]]));
  const alternatives = (c: Choice): Choice[] => FIELDS
    .filter((f) => f !== 'contextPath' || c.spatialPath)
    .flatMap((f) => (opts[f] as unknown[]).filter((v) => v !== c[f]).map((v) => ({ ...c, [f]: v } as Choice)));
  const choicesLeft = FIELDS.reduce((s, f) => s + opts[f].length - 1, 0);
  type G = Parameters<S['key']>[0];
  const sp = inner as unknown as SegSpace & { mutate(g: G, rng: Rng): G; crossover(a: G, b: G, rng: Rng): G; sample(rng: Rng): G; key(g: G): string; describe(g: G): string; validate(g: unknown, source?: string): G };

  const wrapped = {
    ...inner,
    sample: (rng: Rng) => ({ ...sp.sample(rng), ...shown(Object.fromEntries(FIELDS.map((f) => [f, rng.pick(opts[f] as unknown[])])) as Choice) }),
    // A segmentation-choice change with the share of its alternatives among all choices, at least 1/8.
    mutate: (g: G, rng: Rng) => {
      const c = choice(g);
      const alt = alternatives(c);
      return alt.length > 0 && rng.next() < Math.max(0.125, choicesLeft / (choicesLeft + 8))
        ? { ...strip(g), ...shown(rng.pick(alt)) }
        : { ...sp.mutate(strip(g), rng), ...shown(c) };
    },
    crossover: (a: G, b: G, rng: Rng) => ({
      ...sp.crossover(strip(a), strip(b), rng),
      ...shown(Object.fromEntries(FIELDS.map((f) => [f, choice(rng.next() < 0.5 ? a : b)[f]])) as Choice),
    }),
    key: (g: G) => {
      const c = choice(g);
      return `${sp.key(strip(g))}|head=${c.head}|spatial=${c.spatialPath ? 1 : 0}` +
        (c.contextPath !== DEFAULTS.contextPath ? `|context=${c.contextPath}` : '') +
        (c.outputStride !== DEFAULTS.outputStride ? `|os=${c.outputStride}` : '');
    },
    describe: (g: G) => {
      const c = choice(g);
      const path = c.spatialPath ? `, with spatial path${c.contextPath === 'arm' ? ' (attention refinement)' : ''}` : '';
      return `${sp.describe(strip(g))}\nhead: ${c.head}${path}${c.outputStride !== 32 ? `, output stride ${c.outputStride}` : ''}`;
    },
    validate: (g: unknown, source = 'genotype') => {
      if (!g || typeof g !== 'object' || Array.isArray(g)) return sp.validate(g, source);
      const given = g as Record<string, unknown>;
      const base = sp.validate(strip(given as unknown as G), source);
      for (const f of FIELDS) {
        if (given[f] !== undefined && !(opts[f] as unknown[]).includes(given[f])) throw fieldError(source, [f], `expected one of ${opts[f].join(', ')}`);
      }
      return { ...base, ...shown(choice(given as SegmentationChoice)) };
    },
  };
  return wrapped as unknown as S;
}

/** The segmentation choices of a genotype of `space` (first choices when absent). */
export function segmentationChoice(space: SegSpace, g: SegmentationChoice): Choice {
  const o = options(space);
  return canonical({
    head: g.head ?? o.head[0], spatialPath: g.spatialPath ?? o.spatialPath[0],
    contextPath: g.contextPath ?? o.contextPath[0], outputStride: g.outputStride ?? o.outputStride[0],
  });
}
