/** `cellscape show RUN [--json]`: a run's configuration, status, Pareto front and failures. */
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { UsageError } from '../util/errors.ts';
import { runConfigSchema, type RunConfig } from '../run/config.ts';
import { parseFlags } from '../run/flags.ts';
import { formatCounts, formatFront, frontOf, table } from '../run/report.ts';
import { openDb, runIdOf } from './resume.ts';
import { describeAdapt } from '../run/adapt-flags.ts';

const flagsSchema = z.strictObject({ db: z.string().default('runs.db'), json: z.boolean().optional(), help: z.boolean().optional() });
const USAGE = 'Usage: cellscape show RUN [--db FILE] [--json]';

export const command: Command = {
  async run(argv) {
    const { flags, positionals } = parseFlags(argv, flagsSchema, { booleans: ['json', 'help'], positionals: 1 });
    if (flags.help) { console.log(USAGE); return 0; }
    const runId = runIdOf(positionals, USAGE);
    const store = openDb(flags.db, { readonly: true });
    try {
      const run = store.getRunSummary(runId);
      if (!run) throw new UsageError(`no run ${runId} in ${flags.db} (see cellscape runs --db ${flags.db})`);
      const parsed = runConfigSchema.safeParse(run.config);
      const objectives: RunConfig['objectives'] = parsed.success ? parsed.data.objectives : [run.quality, 'latency_ms'];
      const front = frontOf(store.listCandidates(runId, { status: 'done' }), objectives);
      const failures = store.listCandidates(runId, { status: 'failed' });
      const progress = store.listProgress(runId).at(-1);
      if (flags.json) {
        const { spaceDefinition: _def, state: _state, ...rest } = run;
        console.log(JSON.stringify({
          run: rest, objectives, hypervolume: progress?.hypervolume ?? null, reference: progress?.reference ?? null,
          front: front.map((c) => ({ id: c.id, key: c.key, metrics: c.metrics, genotype: c.genotype })),
          failures: failures.map((c) => ({ id: c.id, key: c.key, attempts: c.attempts, error: c.error })),
        }, null, 2));
        return 0;
      }
      const when = (t: number | null) => (t === null ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19));
      console.log(`run ${run.id}: ${run.name}`);
      console.log(`  status     ${run.status}${run.error ? ` (${run.error})` : ''}; ${formatCounts(run)}`);
      console.log(`  strategy   ${run.strategy}; space ${run.spaceName} (${run.spaceHash.slice(0, 12)}); task ${run.task} on ${run.dataset}; backend ${run.backend}; seed ${run.seed}`);
      console.log(`  started    ${when(run.startedAt)}; ended ${when(run.finishedAt)}; elapsed ${progress ? `${progress.elapsedSeconds.toFixed(0)}s` : '-'}`);
      console.log(`  command    ${run.commandLine}`);
      if (parsed.success) {
        const c = parsed.data;
        console.log(`  budget     ${c.budget} candidates; population ${c.population}, sample ${c.sample}; workers ${c.workers}; in flight ${c.inFlight}`);
        const evaluator = c.evaluator.kind === 'table' ? `table ${c.evaluator.path}`
          : c.evaluator.kind === 'zero-cost' ? `zero-cost proxy ${c.evaluator.proxy} at initialisation; latency ${c.latency.runtime}`
            : c.evaluator.kind === 'oneshot' ? `one-shot: weights of ${c.evaluator.checkpoint}, batch norm recalibrated on ${c.evaluator.calibrationImages} images, ${c.proxy.valImages} val images; latency ${c.latency.runtime}`
            : `proxy: ${c.proxy.epochs} epoch(s), ${c.proxy.trainImages} train / ${c.proxy.valImages} val images, batch ${c.proxy.batchSize}, lr ${c.proxy.learningRate}; latency ${c.latency.runtime}`;
        console.log(`  evaluator  ${evaluator}`);
        if (c.evaluator.kind === 'proxy' && c.evaluator.adapt) console.log(`  adapt      ${describeAdapt(c.evaluator.adapt)} (domain shift: target_miou, domain_gap)`);
        if (c.constraints.length) console.log(`  constraints ${c.constraints.map((k) => `${k.metric} <= ${k.max}`).join(', ')}`);
      }
      if (progress?.hypervolume != null) console.log(`  hypervolume ${progress.hypervolume.toPrecision(4)} (reference ${JSON.stringify(progress.reference)})`);
      console.log(`\nPareto front on ${objectives.join(', ')} (${front.length}):`);
      console.log(front.length ? formatFront(front, objectives) : '  (no finished candidates)');
      if (failures.length) {
        console.log(`\nfailures (${failures.length}):`);
        console.log(table(['id', 'attempts', 'error'], failures.map((c) => [String(c.id), String(c.attempts), c.error ?? ''])));
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
