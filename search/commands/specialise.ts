/**
 * `cellscape specialise --supernet RUN --latency-ms a,b,c --lut FILE` (or `--max-flops`,
 * `--max-params`): Once-for-All specialisation. For each target, an aging-evolution search (an
 * ordinary run of the database) judges subnets with the trained supernet's weights
 * (`--evaluator oneshot:RUN`) under the target as a hard constraint; the most accurate subnet that
 * meets it leaves with inherited weights (batch norm recalibrated, optionally fine-tuned) as
 * genotype.json, a TF.js model and an ONNX model, checked as `cellscape export` checks them, and
 * its latency is measured at batch 1 beside the target. The searches share one worker pool and its
 * answers (executor/shared-results.ts): a subnet one target's search scored is not scored again.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import type { ExportedSubnets } from '../export/specialised.ts';
import { parseFlags } from '../run/flags.ts';
import { UsageError } from '../util/errors.ts';

const int = (min: number) => z.coerce.number().int().min(min);
const flagsSchema = z.strictObject({
  supernet: z.string({ error: 'required: the Once-for-All run (cellscape search --strategy ofa) or its checkpoint file' }),
  'latency-ms': z.string().optional(),
  lut: z.string().optional(),
  'max-flops': z.string().optional(),
  'max-params': z.string().optional(),
  budget: int(2).default(40),
  population: int(2).default(10),
  sample: int(1).default(4),
  workers: int(1).default(1),
  'val-images': int(10).default(500),
  'fine-tune': int(0).default(0),
  // 0.1, not 0.01: one epoch of 5,000 images from the default-size supernet's weights gave 80.1-81.2 %
  // test at 0.1 against 72.0-76.8 % at 0.01 on the same 3 subnets (bench/data/ofa-progressive.md).
  'fine-tune-lr': z.coerce.number().positive().default(0.1),
  'train-images': int(1).optional(),
  'test-images': int(1).default(2000),
  format: z.string().default('json,tfjs,onnx'),
  out: z.string().default('specialised'),
  seed: int(0).default(0),
  db: z.string().default('runs.db'),
  help: z.boolean().optional(),
});

const HELP = `Usage: cellscape specialise --supernet RUN (--latency-ms A,B,.. --lut FILE | --max-flops A,.. | --max-params A,..) [options]

For each target: aging evolution with the one-shot evaluator (the supernet's weights, batch norm
recalibrated) under the target, each subnet scored once for all the targets' searches, then the most accurate subnet meeting it is exported with its
inherited weights to OUT/<metric>-<target>/ and its latency measured at batch 1 (tfjs, one thread).
  --supernet RUN        a finished run of cellscape search --strategy ofa (or its checkpoint file)
  --latency-ms A,B      latency targets in ms, predicted by --lut FILE (cellscape lut --space S --dataset D)
  --max-flops A,B       or MAC limits; --max-params A,B  or parameter limits
  --budget N (40) --population P (10) --sample S (4) --workers W (1)   each target's evolution
  --val-images N (500)  validation images each candidate is scored on
  --fine-tune N         epochs of training after inheriting (default 0: the inherited weights as they are)
  --fine-tune-lr X (0.1)  its initial rate (cosine schedule, momentum, weight decay 3e-5, no augmentation)
  --train-images N      fine-tune on a subset (default: all train + validation images)
  --test-images N (2000)  test images the exported subnet is scored on
  --format json,tfjs,onnx  --out DIR (specialised)  --seed S  --db FILE`;

type Target = { metric: 'latency_ms' | 'flops' | 'params'; flag: string; value: number };

function targetsOf(f: z.output<typeof flagsSchema>): Target[] {
  const given = (['latency-ms', 'max-flops', 'max-params'] as const).filter((k) => f[k] !== undefined);
  if (given.length !== 1) throw new UsageError('give one of --latency-ms, --max-flops and --max-params');
  const flag = given[0];
  const metric = flag === 'latency-ms' ? 'latency_ms' : flag === 'max-flops' ? 'flops' : 'params';
  if (metric === 'latency_ms' && !f.lut) throw new UsageError('--latency-ms: needs --lut FILE, this machine\'s latency table (cellscape lut --space SPACE --dataset DATASET --out FILE)');
  if (f.lut && !existsSync(f.lut)) throw new UsageError(`--lut ${f.lut}: no such file`);
  return f[flag]!.split(',').map((p) => {
    const value = Number(p.trim());
    if (!(value > 0)) throw new UsageError(`--${flag}: '${p}' is not a positive number`);
    return { metric, flag, value };
  });
}

const bound = (t: Target): string => (t.metric === 'latency_ms' ? `${t.value} ms` : `${t.value.toLocaleString('en')} ${t.metric === 'flops' ? 'MACs' : 'params'}`);

export const command: Command = {
  async run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) { console.log(HELP); return 0; }
    const { flags: f } = parseFlags(argv, flagsSchema, { booleans: ['help'] });
    const targets = targetsOf(f);
    const { EXPORT_FORMATS } = await import('../export/write.ts');
    const formats = [...new Set(f.format.split(','))];
    const badFormat = formats.find((x) => !(EXPORT_FORMATS as readonly string[]).includes(x));
    if (badFormat) throw new UsageError(`--format: unknown format '${badFormat}' (known: ${EXPORT_FORMATS.join(', ')})`);
    if (!existsSync(f.db)) throw new UsageError(`--db ${f.db}: no such file`);

    const { openStore } = await import('../store/store.ts');
    const { spaceFromDef, parseSpaceDef } = await import('../space/load.ts');
    const { oneShotSpec } = await import('../run/one-shot-source.ts');
    const supernetRun = /^\d+$/.test(f.supernet) ? Number(f.supernet) : null;
    let source;
    {
      const store = openStore(f.db, { readonly: true });
      try {
        const runs = store.listRuns();
        source = supernetRun === null ? runs.find((r) => r.strategy === 'ofa') : store.getRun(supernetRun);
        if (!source) throw new UsageError(`--supernet ${f.supernet}: no such run in ${f.db}`);
        if (source.strategy !== 'ofa') throw new UsageError(`--supernet ${f.supernet}: run ${source.id} is a ${source.strategy} run, not a Once-for-All supernet (cellscape search --strategy ofa)`);
      } finally {
        store.close();
      }
    }
    const space = spaceFromDef(parseSpaceDef(source.spaceDefinition, `run ${source.id} space definition`));
    if (space.family !== 'block') throw new UsageError(`--supernet ${f.supernet}: run ${source.id} is over a ${space.family} space`);
    const spec = oneShotSpec(f.supernet, f.db, space);
    // The space file the supernet's run was started on: oneShotSpec refuses it if it changed since.
    const spaceFile = String(source.config.space);
    mkdirSync(f.out, { recursive: true });

    const { search } = await import('./search.ts');
    const { createPoolExecutor, DEFAULT_HEARTBEAT_MS } = await import('../executor/pool.ts');
    const { shareResults } = await import('../executor/shared-results.ts');
    // One pool for every target's search (its workers load the supernet once), whose answers the
    // searches share: a subnet's one-shot score does not depend on the target, so it is scored once.
    const pool = shareResults(createPoolExecutor({ workers: f.workers, heartbeatMs: DEFAULT_HEARTBEAT_MS }));
    const started = performance.now();
    const searches: { target: Target; runId: number }[] = [];
    try {
      for (const t of targets) {
        const before = (() => { const s = openStore(f.db, { readonly: true }); try { return Math.max(0, ...s.listRuns().map((r) => r.id)); } finally { s.close(); } })();
        console.log(`\nspecialise: ${bound(t)} (${searches.length + 1} of ${targets.length})`);
        const code = await search([
          '--strategy', 'evolution', '--space', spaceFile, '--dataset', source.dataset, '--evaluator', `oneshot:${spec.checkpoint}`,
          '--budget', String(f.budget), '--population', String(f.population), '--sample', String(f.sample), '--workers', String(f.workers),
          '--val-images', String(f['val-images']), '--seed', String(f.seed), '--db', f.db, '--name', `specialise-${source.id}-${t.flag}-${t.value}`,
          '--latency-runtime', f.lut ? `lut:${f.lut}` : 'none', `--max-${t.metric.replace('_', '-')}`, String(t.value),
        ], { executor: pool.view() });
        if (code !== 0) return code;
        const s = openStore(f.db, { readonly: true });
        try {
          searches.push({ target: t, runId: s.listRuns().filter((r) => r.id > before).at(-1)!.id });
        } finally {
          s.close();
        }
      }
    } finally {
      await pool.close();
    }
    const searchSeconds = (performance.now() - started) / 1000;
    const candidates = pool.evaluations + pool.shared;
    const { exportSpecialised } = await import('../export/specialised.ts');
    const rows = [];
    const exported: ExportedSubnets = new Map();
    for (const { target, runId } of searches) {
      rows.push({ target, runId, row: await exportSpecialised({
        db: f.db, runId, supernetRun: source.id, supernet: spec.checkpoint, space, metric: target.metric, limit: target.value, label: bound(target),
        out: join(f.out, `${target.metric}-${target.value}`), formats: formats as (typeof EXPORT_FORMATS)[number][], dataset: source.dataset,
        calibrationImages: spec.calibrationImages, fineTune: f['fine-tune'], fineTuneLr: f['fine-tune-lr'], trainImages: f['train-images'], testImages: f['test-images'], seed: f.seed,
      }, exported) });
    }
    const total = (performance.now() - started) / 1000;
    console.log(`\n${targets.length} targets: ${candidates} candidates, ${pool.evaluations} subnets scored (${pool.shared} shared between the targets' searches); searches ${searchSeconds.toFixed(0)} s, with exports ${total.toFixed(0)} s of wall time`);
    console.log('| target | run | candidate | one-shot val acc | predicted | measured latency (ms) | test acc | params | MACs | out |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const { target, runId, row: r } of rows) {
      console.log(r
        ? `| ${r.label} | ${r.runId} | ${r.candidateId} | ${(100 * r.oneShotAccuracy).toFixed(1)}% | ${r.predicted} | ${r.measuredMs.toFixed(2)} | ${(100 * r.testAccuracy).toFixed(1)}% | ${r.params} | ${r.macs} | ${r.out} |`
        : `| ${bound(target)} | ${runId} | none of its ${f.budget} candidates met it: raise --budget or the target | | | | | | | |`);
    }
    return rows.every((r) => r.row) ? 0 : 1;
  },
};
