/**
 * `cellscape search`: starts a run of any strategy of the registry and stores everything in the
 * run database. The common flags come first; --strategy picks the driver, which reads the rest.
 * With no flags: a small NSGA-II search of the DARTS-style Fashion-MNIST space over accuracy and
 * MACs, sized to finish in about six minutes on two cores (ask-tell.ts DEFAULTS).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import type { Executor } from '../executor/types.ts';
import { UsageError } from '../util/errors.ts';
import { resolveSpacePath } from '../space/load.ts';
import { openStore } from '../store/store.ts';
import { DATASET_NAMES } from '../data/registry.ts';
import { DEFAULTS } from '../run/drivers/ask-tell.ts';
import { parseFlags, parseKnownFlags } from '../run/flags.ts';
import { packageVersions } from '../run/record.ts';
import { askTellFlagsSchema } from '../run/drivers/ask-tell.ts';
import { driverOf, SEARCH_STRATEGIES, STRATEGIES, type StrategyName } from '../run/registry.ts';
import { createRun, runSession, type AnyDriver } from '../run/session.ts';
import { askCheck, CHECK_HELP, checkFlagsSchema, finishCheck, uncheckable } from '../reference/search-check.ts';

const commonSchema = z.strictObject({
  space: z.string().default(DEFAULTS.space),
  strategy: z.enum(SEARCH_STRATEGIES).default('moo'),
  dataset: z.string().optional(),
  seed: z.coerce.number().int().min(0).default(0),
  db: z.string().default('runs.db'),
  name: z.string().optional(),
  backend: z.enum(['tensorflow', 'wasm', 'cpu']).optional(),
  executor: z.enum(['pool', 'queue']).default('pool'),
  redis: z.string().optional(),
  queue: z.string().optional(),
  help: z.boolean().optional(),
});

/** The flags of an ask/tell run, for the commands that make one of a list (reference, fidelity). */
export const flagsSchema = commonSchema.extend(askTellFlagsSchema.shape);

const strategyLines = SEARCH_STRATEGIES.map((name) => `      ${name.padEnd(10)} ${STRATEGIES[name].summary}`).join('\n');

const helpOf = (strategy: StrategyName, driver: AnyDriver): string => `Usage: cellscape search [--strategy S] [options]

  --strategy S             (default moo)
${strategyLines}
  --space FILE|NAME        space definition (default ${DEFAULTS.space}; shipped: space-defs/)
  --dataset NAME           ${DATASET_NAMES.join(' | ')}   (default fashion-mnist;
                           segmentation spaces: scenes-objects | scenes-context | scenes-domain, default scenes-objects)
  --seed S --db FILE --name TEXT --backend tensorflow|wasm|cpu
  --executor pool|queue --redis URL [--queue NAME]   evaluate on workers that pull from Redis (cellscape worker)
${CHECK_HELP}

--strategy ${strategy}:
${driver.help}`;

export const command: Command = { run: (argv) => search(argv) };

/**
 * The command's work; `executor` evaluates the run's candidates instead of a pool of its own
 * (`cellscape specialise` shares one, and its answers, between its per-target searches).
 */
export async function search(argv: string[], o: { executor?: Executor } = {}): Promise<number> {
  const { flags: check, rest: afterCheck } = parseKnownFlags(argv, checkFlagsSchema);
  const { flags: common, rest } = parseKnownFlags(afterCheck, commonSchema, { booleans: ['help'] });
  const driver = await driverOf(common.strategy);
  if (common.help) { console.log(helpOf(common.strategy, driver)); return 0; }
  let own;
  try {
    own = parseFlags(rest, driver.flags, { booleans: driver.booleans }).flags;
  } catch (err) {
    if (!(err instanceof UsageError) || !/^Unknown option/.test(err.message)) throw err;
    throw new UsageError(`${err.message} (not a flag of --strategy ${common.strategy}; see cellscape search --strategy ${common.strategy} --help)`);
  }
  if (common.executor === 'queue' && !common.redis) throw new UsageError('--executor queue: needs --redis URL (redis://[:PASSWORD@]HOST:PORT)');
  const spacePath = resolve(resolveSpacePath(common.space));
  const checkBudgetFlag = (['check-epochs', 'check-train-images', 'check-val-images'] as const).find((f) => check[f] !== undefined);
  if (check['check-fidelity'] === undefined && checkBudgetFlag) throw new UsageError(`--${checkBudgetFlag}: only with --check-fidelity K`);
  const plan = await driver.plan(common.strategy, { ...common, space: spacePath }, own);
  const skipCheck = check['check-fidelity'] === undefined ? null : uncheckable(common.strategy, plan.config, plan.space.def.task);
  if (skipCheck) console.log(`--check-fidelity: skipped: ${skipCheck}`);
  const dbExisted = existsSync(common.db);
  const store = openStore(common.db);
  try {
    const commandLine = ['cellscape', 'search', ...argv].join(' ');
    const run = createRun(store, plan, { strategy: common.strategy, name: common.name, seed: common.seed, versions: packageVersions(), commandLine });
    console.log(`run ${run.id} in ${common.db}${dbExisted ? '' : ' (new)'}: ${common.strategy} over ${plan.space.def.name}, ${plan.summary}`);
    const k = check['check-fidelity'];
    if (k !== undefined && !skipCheck) askCheck(store, run.id, { ...check, 'check-fidelity': k });
    const code = await runSession({
      store, runId: run.id, driver, space: plan.space, workers: plan.workers, executor: o.executor, redis: common.executor === 'queue' ? common.redis : undefined, queue: common.queue,
    });
    return code === 0 ? await finishCheck(store, run.id, { workers: plan.workers, commandLine, log: (line) => console.log(line) }) : code;
  } finally {
    store.close();
  }
}
