/**
 * `cellscape scale RUN --candidate ID`: EfficientNet's compound scaling of a found block
 * architecture. At phi = 1 it trains the architecture scaled by each (alpha, beta, gamma) of a
 * small grid with alpha * beta^2 * gamma^2 = 2 (depth, width, input resolution), keeps the best,
 * and trains the family it gives at phi = 1..k. Everything is trained as candidates of a stored,
 * resumable list run (on a space widened to admit the family, written beside the database), and a
 * 'scaled-family' event names the members, so the explorer draws the family as a line on the
 * source run's plot. `--coefficients width|depth|A,B,G` scales by given coefficients, no grid.
 */
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { UsageError } from '../util/errors.ts';
import { canonicalJson, parseSpaceDef, spaceFromDef } from '../space/load.ts';
import type { BlockGenotype, Genotype, Space } from '../space/types.ts';
import { compoundGrid, DEPTH_ONLY, multipliersAt, scaleBlockGenotype, scaledSpaceDef, WIDTH_ONLY, type Coefficients } from '../space/scaling.ts';
import { openStore, type Store } from '../store/store.ts';
import { parseFlags } from '../run/flags.ts';
import { chooseBackend } from '../run/record.ts';
import { runConfigSchema } from '../run/config.ts';
import { jobData } from '../evaluate/zero-cost/job-scores.ts';
import { evaluateList } from '../reference/evaluate-list.ts';
import { measuredRuns, type ListRunSpec } from '../reference/list-run.ts';
import { SCALED_FAMILY_EVENT, scaledFamilyDataSchema, type ScaledFamilyData } from '../contracts/scaling.ts';

const int = (min: number) => z.coerce.number().int().min(min);
const numbers = z.string().transform((s, ctx) => {
  const v = s.split(',').map(Number);
  if (v.some((x) => !(x >= 1))) ctx.addIssue({ code: 'custom', message: 'expected numbers >= 1 separated by commas' });
  return v;
});
const flagsSchema = z.strictObject({
  candidate: int(1).optional(),
  phi: int(1).max(6).default(3),
  alphas: numbers.default([1.1, 1.2, 1.4]),
  betas: numbers.default([1.05, 1.1, 1.2]),
  coefficients: z.string().optional(),
  epochs: int(1).optional(),
  'train-images': int(1).optional(),
  'val-images': int(1).optional(),
  workers: int(1).default(1),
  db: z.string().default('runs.db'),
  backend: z.string().optional(),
  help: z.boolean().optional(),
});

const HELP = `Usage: cellscape scale RUN --candidate ID [--phi K] [--alphas A,..] [--betas B,..] [--coefficients width|depth|A,B,G] [budget] [--workers N] [--db FILE]

EfficientNet compound scaling of candidate ID (a block-space classification architecture) of RUN.
At phi = 1 it trains the candidate scaled by each grid point: alpha from --alphas (depth, default
1.1,1.2,1.4), beta from --betas (width, default 1.05,1.1,1.2) and the gamma >= 1 (input
resolution) that makes alpha * beta^2 * gamma^2 = 2; the best by the run's quality gives the
family, trained at phi = 1..K (--phi, default 3): depth x alpha^phi (rounded up), width x beta^phi
(to a multiple of 8), resolution x gamma^phi. --coefficients width (1, 1.414, 1), depth (2, 1, 1)
or A,B,G scales by those, with no grid. Budget: the run's, or --epochs, --train-images,
--val-images. The family is stored as candidates of a list run (its space, the run's widened to
admit the family, is written beside --db) and drawn as a line on RUN's plot in the explorer.`;

function fixedCoefficients(text: string): { c: Coefficients; label: ScaledFamilyData['label'] } {
  if (text === 'width') return { c: WIDTH_ONLY, label: 'width' };
  if (text === 'depth') return { c: DEPTH_ONLY, label: 'depth' };
  const v = text.split(',').map(Number);
  if (v.length !== 3 || v.some((x) => !(x >= 1))) throw new UsageError(`--coefficients: expected width, depth or three numbers >= 1 (alpha,beta,gamma), got '${text}'`);
  return { c: { alpha: v[0], beta: v[1], gamma: v[2] }, label: 'fixed' };
}

/** The done candidate of the spec's runs with this key, if any. */
function trained(store: Store, spec: ListRunSpec, key: string) {
  for (const run of measuredRuns(store, spec)) {
    const c = store.getCandidateByKey(run.id, key);
    if (c?.status === 'done') return c;
  }
  return undefined;
}

const fmt = (c: Coefficients) => `alpha ${c.alpha} beta ${c.beta} gamma ${c.gamma}`;

export const command: Command = {
  async run(argv) {
    const { flags: f, positionals } = parseFlags(argv, flagsSchema, { booleans: ['help'], positionals: 1 });
    if (f.help) { console.log(HELP); return 0; }
    if (positionals.length !== 1 || !/^\d+$/.test(positionals[0]) || f.candidate === undefined) throw new UsageError('expected a run id and a candidate of it: cellscape scale RUN --candidate ID');
    const runId = Number(positionals[0]);
    const store = openStore(f.db);
    try {
      const run = store.getRun(runId);
      if (!run) throw new UsageError(`no run ${runId} in ${f.db}`);
      const source = store.getCandidate(f.candidate);
      if (!source || source.runId !== runId) throw new UsageError(`--candidate ${f.candidate}: not a candidate of run ${runId}`);
      if (source.status !== 'done') throw new UsageError(`--candidate ${f.candidate}: its evaluation is ${source.status}, not done`);
      const parsed = runConfigSchema.safeParse(run.config);
      if (!parsed.success) throw new UsageError(`run ${runId}: not a search run (supernet runs cannot be scaled)`);
      const def = parseSpaceDef(run.spaceDefinition, `run ${runId} space`);
      if (def.family !== 'block' || def.task !== 'classification') throw new UsageError(`run ${runId}: compound scaling needs a block space of classification (depth and width are genotype choices there); ${def.name} is a ${def.family} space of ${def.task}`);
      const genotype = spaceFromDef(def).validate(source.genotype, `candidate ${source.id}`) as BlockGenotype;
      const side = jobData({ task: 'classification', dataset: run.dataset }).shape[0];

      const fixed = f.coefficients === undefined ? null : fixedCoefficients(f.coefficients);
      const grid = fixed ? [fixed.c] : compoundGrid(f.alphas, f.betas);
      if (grid.length === 0) throw new UsageError('--alphas, --betas: no grid point has gamma >= 1 (alpha * beta^2 must be at most 2)');
      const phis = Array.from({ length: f.phi }, (_, i) => i + 1);
      const familyOf = (c: Coefficients) => phis.map((phi) => scaleBlockGenotype(genotype, side, c, phi));
      // One space admits the family of every grid point, so the grid and the family share a list run.
      const wide = scaledSpaceDef(def, grid.flatMap(familyOf), side, `${def.name}-scaled`);
      const space = spaceFromDef(wide) as unknown as Space<BlockGenotype>;
      const spacePath = join(dirname(resolve(f.db)), `scaled-${def.name}-run${runId}-cand${source.id}-${space.hash.slice(0, 8)}.json`);
      const text = JSON.stringify(wide, null, 2) + '\n';
      if (!existsSync(spacePath) || readFileSync(spacePath, 'utf8') !== text) writeFileSync(spacePath, text);

      const budget = Object.fromEntries(Object.entries({ epochs: f.epochs, trainImages: f['train-images'], valImages: f['val-images'] }).filter(([, v]) => v !== undefined));
      const config = runConfigSchema.parse({
        ...parsed.data, spacePath, strategy: 'list', proxy: { ...parsed.data.proxy, ...budget }, evaluator: { kind: 'proxy' },
        fidelity: undefined, prescreen: undefined, predictor: undefined, workers: f.workers, inFlight: Math.max(2, f.workers),
      });
      const spec: ListRunSpec = {
        name: `scale run ${runId} candidate ${source.id}`, def: wide, space: spaceFromDef(wide), dataset: run.dataset, backend: await chooseBackend(f.backend),
        seed: run.seed, config, commandLine: ['cellscape', 'scale', ...argv].join(' '),
      };
      const quality = 'accuracy';
      const log = (line: string) => console.log(line);

      const atOne = grid.map((c) => scaleBlockGenotype(genotype, side, c, 1));
      if (!fixed) log(`grid at phi = 1: ${grid.length} coefficient sets (${config.proxy.epochs} epochs x ${config.proxy.trainImages} images)`);
      const first = await evaluateList(store, spec, atOne as Genotype[], log);
      if (first.code !== 0) return first.code;
      const tried = grid.map((c, i) => {
        const cand = trained(store, spec, space.key(atOne[i]));
        return { ...c, candidate: cand?.id ?? null, quality: cand?.metrics[quality] ?? null };
      });
      for (const t of tried) log(`  ${fmt(t)}: ${quality} ${t.quality?.toFixed(4) ?? 'failed'}`);
      const best = tried.reduce((a, b) => ((b.quality ?? -Infinity) > (a.quality ?? -Infinity) ? b : a));
      if (best.quality === null) throw new UsageError('every grid point failed to train; see cellscape show for the errors');
      const c: Coefficients = { alpha: best.alpha, beta: best.beta, gamma: best.gamma };

      const family = familyOf(c);
      const second = await evaluateList(store, spec, family as Genotype[], log);
      if (second.code !== 0) return second.code;
      const members = family.map((g, i) => ({ phi: phis[i], candidate: trained(store, spec, space.key(g))?.id ?? null }));
      const data: ScaledFamilyData = scaledFamilyDataSchema.parse({
        sourceRun: runId, sourceCandidate: source.id, label: fixed?.label ?? 'compound', ...c, grid: fixed ? [] : tried, members,
      });
      const listRun = second.runId!;
      const stored = store.listEventsOfKind(SCALED_FAMILY_EVENT).some((e) => canonicalJson(e.data) === canonicalJson(data));
      if (!stored) store.addEvent(listRun, { level: 'info', kind: SCALED_FAMILY_EVENT, message: `${data.label} scaling of run ${runId} candidate ${source.id}: ${fmt(c)}, phi 1..${f.phi}`, data });

      log(`\n${data.label} family of run ${runId} candidate ${source.id} (${fmt(c)}), space ${spacePath}:`);
      log('phi  depth x  width x  input  ' + `${quality}   params     MMACs`);
      const row = (phi: number, id: number | null) => {
        const m = multipliersAt(c, phi);
        const cand = id === null ? undefined : store.getCandidate(id);
        const res = phi === 0 ? side : family[phi - 1].resolution;
        log(`${String(phi).padEnd(4)} ${m.depth.toFixed(2).padEnd(8)} ${m.width.toFixed(2).padEnd(8)} ${String(res).padEnd(6)} ${cand?.metrics[quality]?.toFixed(4) ?? 'failed'}   ${String(cand?.metrics.params ?? '').padEnd(10)} ${((cand?.metrics.flops ?? NaN) / 1e6).toFixed(2)}`);
      };
      row(0, source.id);
      for (const m of members) row(m.phi, m.candidate);
      return 0;
    } finally {
      store.close();
    }
  },
};
