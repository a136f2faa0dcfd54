/**
 * Input resolution as a dimension a space can declare (SpaceDef.resolution): a genotype of such a
 * space also picks the side its images are resized to, which evolution samples, mutates and
 * crosses like any other choice, and which EfficientNet's compound scaling grows. The inner space
 * handles the rest of the genotype; this wrapper is the outermost, so the inner one never sees the
 * field. Spaces that declare no resolutions are left as they are (genotypes and keys unchanged).
 */
import type { Rng } from '../util/rng.ts';
import { UsageError } from '../util/errors.ts';
import { fieldError } from './issues.ts';
import type { Genotype, ResolutionChoice, Space } from './types.ts';
import type { SpaceDef } from './schema.ts';

function strip<G extends Genotype>(g: G): G {
  const { resolution: _r, ...rest } = g as G & ResolutionChoice;
  return rest as G;
}

/** The side a genotype's images are resized to, or undefined for the data set's own size. */
export function resolutionOf(g: unknown): number | undefined {
  const r = (g as ResolutionChoice | null)?.resolution;
  return typeof r === 'number' ? r : undefined;
}

export function withResolution<S extends Space>(inner: S, def: SpaceDef): S {
  const choices = def.resolution;
  if (!choices) return inner;
  if (def.task !== 'classification') throw new UsageError(`space '${def.name}': resolution is a dimension of classification spaces (segmentation scenes keep their size)`);
  type G = Parameters<S['key']>[0];
  const sp = inner as unknown as Space<G>;
  const pick = (g: G, rng: Rng): number => resolutionOf(g) ?? rng.pick(choices);
  return {
    ...inner,
    sample: (rng: Rng) => ({ ...sp.sample(rng), resolution: rng.pick(choices) }),
    // A resolution change with the share of its alternatives among a few other choices, at least 1/8.
    mutate: (g: G, rng: Rng) => {
      const r = pick(g, rng);
      const others = choices.filter((c) => c !== r);
      return others.length > 0 && rng.next() < Math.max(0.125, others.length / (others.length + 8))
        ? { ...strip(g), resolution: rng.pick(others) }
        : { ...sp.mutate(strip(g), rng), resolution: r };
    },
    crossover: (a: G, b: G, rng: Rng) => ({ ...sp.crossover(strip(a), strip(b), rng), resolution: pick(rng.next() < 0.5 ? a : b, rng) }),
    key: (g: G) => {
      const r = resolutionOf(g);
      return r === undefined ? sp.key(strip(g)) : `${sp.key(strip(g))}|res=${r}`;
    },
    describe: (g: G) => {
      const r = resolutionOf(g);
      return r === undefined ? sp.describe(strip(g)) : `${sp.describe(strip(g))}\ninput ${r}x${r}`;
    },
    validate: (g: unknown, source = 'genotype') => {
      if (!g || typeof g !== 'object' || Array.isArray(g)) return sp.validate(g, source);
      const r = (g as ResolutionChoice).resolution;
      const base = sp.validate(strip(g as G), source);
      if (r === undefined) return base;
      if (!choices.includes(r)) throw fieldError(source, ['resolution'], `expected one of ${choices.join(', ')}`);
      return { ...base, resolution: r };
    },
  } as S;
}
