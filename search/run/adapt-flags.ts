/**
 * The flags of a domain-shift search (`--dataset scenes-domain`): how each candidate adapts to the
 * target domain while it trains, recorded in the proxy evaluator's spec (search/evaluate/domain-shift.ts).
 */
import { z } from 'zod';
import { ADAPT_DEFAULTS, ADAPT_METHODS, type Adapt } from '../evaluate/domain-shift.ts';
import { DOMAIN_DATASET } from '../evaluate/seg-dataset.ts';
import { UsageError } from '../util/errors.ts';

export const adaptFlags = {
  adapt: z.enum(ADAPT_METHODS).optional(),
  'adapt-weight': z.coerce.number().positive().optional(),
  'pseudo-threshold': z.coerce.number().gt(0).max(1).optional(),
  'pseudo-rounds': z.coerce.number().int().min(1).optional(),
};

type AdaptFlags = { [K in keyof typeof adaptFlags]?: z.output<(typeof adaptFlags)[K]> };

export const ADAPT_HELP = `  --adapt source|adversarial|self-training   --dataset scenes-domain: how a candidate adapts to the
      unlabelled target scenes as it trains (default source: not at all); it is scored on both domains'
      validation scenes: miou (source), target_miou, domain_gap (objectives like the others)
      --adapt-weight W (adversarial: the gradient reversal's final coefficient, default ${ADAPT_DEFAULTS.weight})
      --pseudo-threshold P --pseudo-rounds R (self-training: keep pixels predicted with probability >= P,
      default ${ADAPT_DEFAULTS.threshold}; R rounds of pseudo-labelling and one more epoch each, default ${ADAPT_DEFAULTS.rounds})`;

/**
 * The adaptation the flags ask for, checked against the data set and evaluator: source only when a
 * proxy trains on scenes-domain without --adapt (its runs then rank by target_miou), undefined
 * for every other data set.
 */
export function adaptOf(f: AdaptFlags & { dataset?: string; evaluator: string }): Adapt | undefined {
  const given = (['adapt-weight', 'pseudo-threshold', 'pseudo-rounds'] as const).filter((k) => f[k] !== undefined);
  if (f.adapt === undefined) {
    if (given.length) throw new UsageError(`--${given[0]}: only with --adapt ${given[0] === 'adapt-weight' ? 'adversarial' : 'self-training'}`);
    return f.dataset === DOMAIN_DATASET && f.evaluator === 'proxy' ? { method: 'source' } : undefined;
  }
  if (f.dataset !== DOMAIN_DATASET) throw new UsageError(`--adapt: only with --dataset ${DOMAIN_DATASET} (the data set with a target domain)`);
  if (f.evaluator !== 'proxy') throw new UsageError(`--adapt: only with --evaluator proxy (adaptation happens while a candidate trains)`);
  const wrong = given.find((k) => (k === 'adapt-weight') !== (f.adapt === 'adversarial') || (k !== 'adapt-weight' && f.adapt !== 'self-training'));
  if (wrong) throw new UsageError(`--${wrong}: not an option of --adapt ${f.adapt}`);
  switch (f.adapt) {
    case 'source': return { method: 'source' };
    case 'adversarial': return { method: 'adversarial', weight: f['adapt-weight'] ?? ADAPT_DEFAULTS.weight };
    case 'self-training': return {
      method: 'self-training', threshold: f['pseudo-threshold'] ?? ADAPT_DEFAULTS.threshold, rounds: f['pseudo-rounds'] ?? ADAPT_DEFAULTS.rounds, roundEpochs: ADAPT_DEFAULTS.roundEpochs,
    };
  }
}

/** `adversarial (weight 1)`, `self-training (threshold 0.9, rounds 1, roundEpochs 1)`, `source`: for summaries. */
export function describeAdapt(a: Adapt): string {
  const { method, ...options } = a;
  const parts = Object.entries(options).map(([k, v]) => `${k} ${v}`);
  return parts.length ? `${method} (${parts.join(', ')})` : method;
}
