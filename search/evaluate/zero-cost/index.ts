/** The zero-cost proxies by name. */
import { UsageError } from '../../util/errors.ts';
import { fisherProxy } from './fisher.ts';
import { flopsProxy } from './flops.ts';
import { gradNormProxy } from './grad-norm.ts';
import { naswotProxy } from './naswot.ts';
import { paramsProxy } from './params.ts';
import { snipProxy } from './snip.ts';
import { synflowProxy } from './synflow.ts';
import type { ZeroCostProxy } from './types.ts';

export const PROXIES: readonly ZeroCostProxy[] = [synflowProxy, naswotProxy, snipProxy, gradNormProxy, fisherProxy, paramsProxy, flopsProxy];

export const PROXY_NAMES: readonly string[] = PROXIES.map((p) => p.name);

export function proxyByName(name: string): ZeroCostProxy {
  const p = PROXIES.find((q) => q.name === name);
  if (!p) throw new UsageError(`unknown zero-cost proxy '${name}': choose one of ${PROXY_NAMES.join(', ')}`);
  return p;
}

export type { ProxyScore, ProxyBatch, ZeroCostProxy } from './types.ts';
