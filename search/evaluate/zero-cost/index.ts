/** The zero-cost proxies by name. */
import { z } from 'zod';
import { UsageError } from '../../util/errors.ts';
import { fisherProxy } from './fisher.ts';
import { flopsProxy } from './flops.ts';
import { gradNormProxy } from './grad-norm.ts';
import { jacobCovProxy } from './jacob-cov.ts';
import { naswotProxy } from './naswot.ts';
import { paramsProxy } from './params.ts';
import { snipProxy } from './snip.ts';
import { synflowProxy } from './synflow.ts';
import type { ZeroCostProxy } from './types.ts';

export const PROXIES: readonly ZeroCostProxy[] = [synflowProxy, naswotProxy, snipProxy, gradNormProxy, fisherProxy, jacobCovProxy, paramsProxy, flopsProxy];

export const PROXY_NAMES: readonly string[] = PROXIES.map((p) => p.name);

/** A list of proxies in a spec or config, each a known name. */
export const proxyListSchema = z.array(z.enum(PROXY_NAMES as [string, ...string[]]));

/**
 * What a trained candidate is scored by before training unless the run says otherwise (`--zc`):
 * synflow alone. It reads no data and costs one forward and backward pass (about a tenth of a
 * data-dependent proxy at batch 64 on a darts-fmnist-small network: bench/data/zero-cost.md), a
 * few per cent of a proxy training; it ranked the synthetic NB-201-layout table best (rho 0.92).
 * On darts-fmnist-small's complete 4-epoch table it ranks at chance (0.09) where jacob_cov reaches
 * 0.41 (bench/evaluator-board.ts), but jacob_cov reads a batch and costs about 11 times as much
 * (bench/data/zero-cost.md): worth `--zc jacob_cov` when the stored score is what a study is
 * after, too dear to add to every default search. Parameters and FLOPs, the baselines, are
 * stored for every trained candidate anyway.
 */
export const DEFAULT_TRAINED_PROXIES: readonly string[] = ['synflow'];

export function proxyByName(name: string): ZeroCostProxy {
  const p = PROXIES.find((q) => q.name === name);
  if (!p) throw new UsageError(`unknown zero-cost proxy '${name}': choose one of ${PROXY_NAMES.join(', ')}`);
  return p;
}

export type { ProxyScore, ProxyBatch, ZeroCostProxy } from './types.ts';
