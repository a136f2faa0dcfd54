/**
 * The path a single-path supernet trains at each step, a function of (seed, step) alone so that
 * a resumed run trains exactly the paths it would have trained had it never stopped.
 */
import { deriveRng, shuffleInPlace } from '../../data/seeds.ts';
import { CELL_HALVES, type CellSpace } from '../../space/cell.ts';
import { ZERO_OP } from '../../space/ops.ts';
import type { CellGenotype } from '../../space/types.ts';
import type { SposConfig } from './config.ts';

/** Stream tags of the path draws (apart from the data streams of data/seeds.ts). */
const PATH_STREAM = 101, FAIR_STREAM = 102;

export function pathAt(space: CellSpace, c: Pick<SposConfig, 'seed' | 'sampling'>, step: number): CellGenotype {
  const g = space.sample(deriveRng(c.seed, PATH_STREAM, step));
  if (c.sampling === 'uniform') return g;
  const ops = space.def.cell.ops.filter((op) => op !== ZERO_OP);
  const m = ops.length, block = Math.floor(step / m), at = step % m;
  const fair = { ...g };
  CELL_HALVES.forEach((half, h) => {
    fair[half] = g[half].map(([, input], e) => [ops[shuffleInPlace(Int32Array.from({ length: m }, (_, i) => i), deriveRng(c.seed, FAIR_STREAM, block, h, e))[at]], input]);
  });
  return fair;
}

/** The subnets scored after every epoch: the same seeded sample each time, so that their accuracies form curves. */
export function watchedSubnets(space: CellSpace, c: Pick<SposConfig, 'seed' | 'subnets'>): CellGenotype[] {
  const rng = deriveRng(c.seed, PATH_STREAM, -1);
  return Array.from({ length: c.subnets }, () => space.sample(rng));
}
