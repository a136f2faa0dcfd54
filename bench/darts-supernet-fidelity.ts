/**
 * `node --import tsx bench/darts-supernet-fidelity.ts --db RUNS.db [--run N] [--checkpoint FILE] --table T.jsonl [--seed-tables T2.jsonl,...]
 *    [--first 50] [--images 512] [--proxy jacob_cov] [--out FILE.jsonl]`
 *
 * Can this DARTS supernet tell good cells from bad ones at all? A search's answer can only beat
 * chance if the supernet it reads ranks architectures as training them alone does. This takes a
 * DARTS run's last checkpoint (trained weights and alphas; `--checkpoint` when the run's stored path
 * was relative to another directory), and for each of the reference table's
 * first N architectures (its uniform samples) scores the supernet with that genotype's weights
 * (supernet-score.ts `genotypeWeights`: its edges one-hot, all others off; BN on batch
 * statistics, as DARTS-PT scores) on the same fixed batches of the run's architecture half. Then
 * the rank agreement of those scores with the table's accuracies (the mean over the seed tables
 * when given), with its 90 % bootstrap interval, as `cellscape fidelity` reports evaluators; and
 * the same for the alphas' own belief (the log of the genotype's mixing and edge weights, which
 * the DARTS derivation maximises edge by edge), unless the alphas never moved. Last, where the
 * supernet's favourite among the N lands in the table (percentile): what a search that sampled
 * these N cells and kept the supernet's best would have answered.
 *
 * `--proxy jacob_cov` also judges each genotype by that zero-cost proxy of the supernet under its
 * weights, as `--pt-criterion jacob_cov` reads the supernet; a run of `--epochs 0` has no
 * checkpoint, and is scored as its seed initialises the supernet.
 */
import { appendFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { fidelityOf, formatFidelity } from '../search/reference/fidelity.ts';
import { readRows } from '../search/reference/rows.ts';
import { percentileIn } from '../search/reference/search-answer.ts';
import { seedMeanReference } from '../search/reference/seed-mean.ts';
import { openStore } from '../search/store/store.ts';
import { CELL_TYPES } from '../search/strategies/darts/arch.ts';
import type { XY } from '../search/strategies/darts/bilevel.ts';
import { readCheckpoint } from '../search/strategies/darts/checkpoint.ts';
import { dartsConfigSchema, dartsStateSchema } from '../search/strategies/darts/config.ts';
import { supernetScore } from '../search/strategies/darts/fidelity-rows.ts';
import { disposeBatch, loadDartsData } from '../search/strategies/darts/data.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';
import { createDartsSession } from '../search/strategies/darts/session.ts';
import { genotypeWeights, keepingBuffers, scoreSupernet, supernetProxy, supernetWeights, type CellWeights } from '../search/strategies/darts/supernet-score.ts';
import { proxyByName } from '../search/evaluate/zero-cost/index.ts';
import { validateCell } from '../search/space/cell.ts';
import type { CellType } from '../search/strategies/supernet.ts';

const { values: a } = parseArgs({
  options: {
    db: { type: 'string' }, checkpoint: { type: 'string' }, run: { type: 'string', default: '1' }, table: { type: 'string' }, 'seed-tables': { type: 'string', default: '' },
    first: { type: 'string', default: '50' }, images: { type: 'string', default: '512' }, proxy: { type: 'string' }, out: { type: 'string' },
  },
});
if (!a.db || !a.table) throw new Error('usage: bench/darts-supernet-fidelity.ts --db RUNS.db [--run N] --table T.jsonl [--seed-tables T2.jsonl,...] [--first 50] [--images 512] [--out FILE.jsonl]');
const first = Number(a.first), images = Number(a.images), runId = Number(a.run);
for (const [flag, v] of [['--first', first], ['--images', images], ['--run', runId]] as const) if (!Number.isInteger(v) || v < 1) throw new Error(`${flag}: a positive integer, got ${v}`);

const store = openStore(resolve(a.db), { readonly: true });
const run = store.getRun(runId);
if (!run) throw new Error(`--run ${runId}: no such run in ${a.db}`);
if (run.strategy !== 'darts') throw new Error(`--run ${runId}: a ${run.strategy} run, not a DARTS one`);
const c = dartsConfigSchema.parse(run.config);
const state = dartsStateSchema.parse(run.state);
if (!state.checkpoint && c.epochs > 0 && !a.checkpoint) throw new Error(`--run ${runId}: no checkpoint yet (no epoch committed)`);
const proxy = a.proxy === undefined ? null : proxyByName(a.proxy);
store.close();

const table = { path: a.table, rows: readRows(resolve(a.table), '--table').slice(0, first) };
const seedTables = a['seed-tables'].split(',').filter(Boolean).map((p) => ({ path: p, rows: readRows(resolve(p), '--seed-tables') }));
const reference = seedMeanReference(table, seedTables);
const space = loadCellSpace(c.space);
if (table.rows[0].spaceHash !== space.hash) throw new Error(`${a.table}: its rows are of space ${table.rows[0].space}, not of the run's ${space.name}`);

const backend = (await initBackend({ backend: c.backend })).name;
const session = createDartsSession(space, c, state.opLatency);
// A run of no epochs is read as its seed initialises the supernet.
const ckPath = a.checkpoint ?? state.checkpoint;
const ck = ckPath ? readCheckpoint(ckPath) : null;
if (ck) await session.load(ck);
const epoch = ck?.epoch ?? 0;
const ops = [...session.arch.ops], nodes = session.arch.nodes;
const base = supernetWeights(session.arch);

// The same batches of the architecture half for every genotype, in an order no search epoch used (as DARTS-PT).
const data = loadDartsData(c, space.def.task);
const valB = data.batches('val', c.epochs);
const batches = Array.from({ length: Math.min(valB.perEpoch, Math.max(1, Math.floor(images / c.batchSize))) }, () => valB.next() as XY);

/** The alphas' log-belief in a genotype: the DARTS derivation keeps, edge by edge, what maximises it. */
function alphaBelief(w: Record<CellType, CellWeights>): number {
  let s = 0;
  for (const t of CELL_TYPES) w[t].rows.forEach((r, e) => { const k = r.indexOf(1); if (k >= 0) s += Math.log(base[t].rows[e][k]) + (base[t].edges ? Math.log(base[t].edges![e]) : 0); });
  return s;
}
const moved = CELL_TYPES.some((t) => base[t].rows.some((r) => Math.max(...r) - Math.min(...r) > 1e-3));

console.log(`# darts-supernet-fidelity: ${a.db} run ${runId} (${c.epochs} epochs, ${c.warmupEpochs} warm-up, ${c.trainImages} images a half, K=${c.partialChannels}, remedy ${c.remedy.kind}, weight steps on ${c.weightSampling === 'uniform-cell' ? 'uniform cells' : 'the mixture'}, ${c.supernetOps} ops, lr ${c.learningRate}, seed ${c.seed}), ${ck ? `checkpoint of epoch ${epoch}` : 'untrained (as the seed initialises it)'}; ${batches.length * c.batchSize} images of the architecture half; ${backend}, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const cpu0 = cpuUsage();
const scored = keepingBuffers(session, () => table.rows.filter((r) => reference.has(r.arch)).map((r, i) => {
  const t0 = performance.now();
  const w = genotypeWeights(validateCell(r.genotype, ops, nodes, `${a.table} row ${i + 1}`), base, ops, nodes);
  const sc = scoreSupernet(session, batches, w);
  const zc = proxy ? supernetProxy(session, batches, w, proxy) : NaN;
  const row = { key: r.arch, truth: reference.get(r.arch)!, acc: sc.acc, loss: sc.loss, belief: alphaBelief(w), zc, seconds: (performance.now() - t0) / 1000 };
  process.stderr.write(`\r${i + 1}/${table.rows.length} scored`);
  return row;
}));
process.stderr.write('\n');
const cpu = cpuUsage(cpu0);
batches.forEach(disposeBatch);
session.dispose();

const judge = (name: string, score: (r: (typeof scored)[number]) => number) => {
  const f = fidelityOf(reference, scored.map((r) => ({ key: r.key, score: score(r), seconds: r.seconds })));
  console.log(`${name}: ${formatFidelity(f)}`);
  return f;
};
const byAcc = judge('supernet accuracy (ties by loss)', supernetScore);
const byLoss = judge('supernet loss (lower is better)', (r) => -r.loss);
const byProxy = proxy ? judge(`supernet ${proxy.name}`, (r) => r.zc) : null;
const byBelief = moved ? judge('alphas\' belief (log of the genotype\'s weights)', (r) => r.belief) : null;
if (!moved) console.log('alphas\' belief: the alphas never moved (fixed-alpha supernet), not a judge');
const truths = scored.map((r) => r.truth);
const pick = (score: (r: (typeof scored)[number]) => number) => scored.reduce((b, r) => (score(r) > score(b) ? r : b));
const pickAcc = pick(supernetScore);
console.log(`the supernet's favourite of the ${scored.length}: ${(100 * pickAcc.truth).toFixed(2)} % in the table, percentile ${percentileIn(pickAcc.truth, truths).toFixed(0)} (supernet ${(100 * pickAcc.acc).toFixed(1)} %)`);
if (byProxy) { const p = pick((r) => r.zc); console.log(`its ${proxy!.name}'s favourite of the ${scored.length}: ${(100 * p.truth).toFixed(2)} %, percentile ${percentileIn(p.truth, truths).toFixed(0)}`); }
if (byBelief) { const p = pick((r) => r.belief); console.log(`the alphas' favourite of the ${scored.length}: ${(100 * p.truth).toFixed(2)} %, percentile ${percentileIn(p.truth, truths).toFixed(0)}`); }
console.log(`supernet accuracies ${(100 * Math.min(...scored.map((r) => r.acc))).toFixed(1)}-${(100 * Math.max(...scored.map((r) => r.acc))).toFixed(1)} %; ${((cpu.user + cpu.system) / 1e6).toFixed(0)} CPU s for ${scored.length} genotypes`);
if (a.out) {
  appendFileSync(a.out, JSON.stringify({
    db: a.db, run: runId, epoch,
    config: { epochs: c.epochs, warmupEpochs: c.warmupEpochs, trainImages: c.trainImages, partialChannels: c.partialChannels, remedy: c.remedy.kind, seed: c.seed, selection: c.selection.kind, weightSampling: c.weightSampling, supernetOps: c.supernetOps, learningRate: c.learningRate, augment: c.augment },
    table: a.table, seedTables: seedTables.map((t) => t.path), images: batches.length * c.batchSize, byAccuracy: byAcc, byLoss, byBelief, ...(proxy ? { proxy: proxy.name, byProxy } : {}), pick: { truth: pickAcc.truth, percentile: percentileIn(pickAcc.truth, truths) },
    rows: scored.map(({ key, acc, loss, belief, zc }) => ({ key, acc, loss, belief, ...(proxy ? { [proxy.name]: zc } : {}) })),
  }) + '\n');
}
