/**
 * Every evaluator, by kind. The executor runs whichever one a task names; a run's config records
 * its spec, checked by `evaluatorSpecSchema`.
 *
 * Adding an evaluator: write one module exporting an `Evaluator` (evaluator.ts: a zod spec whose
 * `kind` is a literal, whether it runs on TF.js, and `evaluate(job, spec, ctx)`), import it here
 * and add it to `evaluators`. The list is imported statically on purpose: piscina loads worker
 * modules through require(), and a dynamic import() of a .ts file fails in worker threads on
 * Node 20 ("Unknown file extension").
 */
import { z } from 'zod';
import { UsageError } from '../util/errors.ts';
import type { Evaluator, SpecSchema } from './evaluator.ts';
import { fewShotEvaluator } from './fewshot.ts';
import { oneShotEvaluator } from './one-shot.ts';
import { proxyEvaluator } from './proxy.ts';
import { segProxyEvaluator } from './seg-proxy.ts';
import { tableEvaluator } from './table-lookup.ts';
import { zeroCostEvaluator } from './zero-cost/evaluator.ts';

const evaluators = [proxyEvaluator, segProxyEvaluator, tableEvaluator, zeroCostEvaluator, oneShotEvaluator, fewShotEvaluator] as const;

type Specs<E extends readonly Evaluator[]> = { -readonly [K in keyof E]: E[K]['spec'] };

/** Any evaluator's spec, as a run records it. */
export const evaluatorSpecSchema = z.discriminatedUnion('kind', evaluators.map((e) => e.spec) as Specs<typeof evaluators>);

const byKind = new Map<string, Evaluator<SpecSchema>>(evaluators.map((e) => [e.spec.shape.kind.value, e as Evaluator<SpecSchema>]));

const EVALUATOR_KINDS: readonly string[] = [...byKind.keys()];

export function evaluatorOf(kind: string): Evaluator<SpecSchema> {
  const e = byKind.get(kind);
  if (!e) throw new UsageError(`unknown evaluator '${kind}'; known: ${EVALUATOR_KINDS.join(', ')}`);
  return e;
}
