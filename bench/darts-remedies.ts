/**
 * `node --import tsx bench/darts-remedies.ts --out FILE.jsonl [--seeds 0,1,2] [--remedies none,beta,drnas,darts-minus]
 *    [--latency none,penalty,lagrange,penalty-weighted,lagrange-weighted,penalty-priced,lagrange-priced] [--epochs E] [--images N] [--batch B] [--k K] [--arch-lr LR]
 *    [--penalty-weight W] [--lagrange-weight W] [--target-frac F] [--warmup W] [--remedy-weight W] [--data-parallel N]
 *    [--update alternating|simultaneous] [--db RUNS.db]`
 *
 * DARTS with and without each remedy, at latency weight 0 (`none`), with today's penalty
 * (`penalty`: CE + W * E[latency] / E_uniform[latency]) and with the constraint (`lagrange`:
 * E[latency] <= F * E_uniform[latency], multiplier step W), and both again with the expectation over
 * the ops with weights only (`penalty-weighted`, `lagrange-weighted`: each edge's weights renormalised
 * over them, latency.ts, so that the term cannot reward a parameter-free op; E_uniform and the
 * target are then over those ops too) and with the parameter-free ops dearer than that expectation
 * priced at their odds against the weighted ops (`penalty-priced`, `lagrange-priced`: latency.ts's
 * `priced`, which prices a dear pool and still rewards no cheap op), over seeds. Every search shares one
 * per-op latency table measured at the start (kept in FILE.tables.json, so that a resumed bench uses
 * the same). One JSON line per finished search goes to FILE; a rerun skips the settings FILE
 * already holds (resumable), then prints the table over everything in FILE: parameter-free edges
 * of the derived normal cell, mean edge-softmax entropy per cell type (uniform: ln(ops)), the
 * largest normal-cell weight, E[latency] against the uniform weights' and the search's CPU seconds
 * (all threads), then the same figures per epoch of each search, then per search whether it met the latency
 * target: the supernet's E[latency] against the constraint's target, and the derived cell's table latency
 * against the same fraction of a uniform sample's. Defaults are the default DARTS
 * search's settings (search/strategies/darts/config.ts); `--remedy-weight` replaces every remedy's
 * default weight; `--update simultaneous` takes both halves of each step at the same weights and
 * alphas (on 2 workers with `--data-parallel 2`), to compare with the alternating rows. `--db` keeps
 * the searches' runs and last checkpoints in that store (each row then names its run), for
 * bench/darts-supernet-fidelity.ts; without it they go to a temporary store, removed at the end.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { buildSupernet } from '../search/space/build.ts';
import type { CellSpace } from '../search/space/cell.ts';
import type { CellGenotype } from '../search/space/types.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { openStore } from '../search/store/store.ts';
import { DEFAULT_DARTS_CONFIG as D, type DartsConfig } from '../search/strategies/darts/config.ts';
import { genotypeEdgeLatencies, genotypeLatency, latencyMatrices, measureSiteLatencies, pricedOps, supernetSites, uniformLatency, type LatencyOps } from '../search/strategies/darts/latency.ts';
import { DEFAULT_REMEDY_WEIGHT, REMEDIES, type RemedyKind } from '../search/strategies/darts/remedies.ts';
import { runDarts } from '../search/run/drivers/darts.ts';
import type { DartsStepInfo } from '../search/strategies/darts/run.ts';
import { createRng } from '../search/util/rng.ts';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string' }, seeds: { type: 'string', default: '0,1,2' }, remedies: { type: 'string', default: REMEDIES.join(',') },
    latency: { type: 'string', default: 'none,penalty,lagrange' }, epochs: { type: 'string', default: String(D.epochs) },
    images: { type: 'string', default: String(D.trainImages) }, batch: { type: 'string', default: String(D.batchSize) },
    k: { type: 'string', default: String(D.partialChannels) }, 'arch-lr': { type: 'string', default: String(D.archLearningRate) },
    'penalty-weight': { type: 'string', default: '1' }, 'lagrange-weight': { type: 'string', default: '0.05' }, 'target-frac': { type: 'string', default: '0.8' },
    space: { type: 'string', default: D.space }, warmup: { type: 'string', default: String(D.warmupEpochs) },
    'remedy-weight': { type: 'string' }, 'data-parallel': { type: 'string', default: String(D.dataParallel) }, update: { type: 'string', default: D.update },
    db: { type: 'string' },
  },
});
if (!a.out) throw new Error('--out FILE.jsonl is required (the bench appends to it and resumes from it)');
const LATENCY = ['none', 'penalty', 'lagrange', 'penalty-weighted', 'lagrange-weighted', 'penalty-priced', 'lagrange-priced'] as const;
type LatencySetting = (typeof LATENCY)[number];
/** The ops a setting's expectation prices. */
const opsOf = (l: LatencySetting): LatencyOps => (l.endsWith('-weighted') ? 'weighted' : l.endsWith('-priced') ? 'priced' : 'all');
const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
const remedies = list(a.remedies!).map((r) => { if (!(REMEDIES as readonly string[]).includes(r)) throw new Error(`--remedies: unknown '${r}' (${REMEDIES.join(', ')})`); return r as RemedyKind; });
const latencies = list(a.latency!).map((l) => { if (!(LATENCY as readonly string[]).includes(l)) throw new Error(`--latency: unknown '${l}' (${LATENCY.join(', ')})`); return l as LatencySetting; });
const seeds = list(a.seeds!).map(Number);
const sizes = { epochs: Number(a.epochs), trainImages: Number(a.images), valImages: Number(a.images), batchSize: Number(a.batch), partialChannels: Number(a.k), archLearningRate: Number(a['arch-lr']),
  warmupEpochs: Number(a.warmup), dataParallel: Number(a['data-parallel']),
  // Only a non-default update enters the sizes, so that the rows (and keys) of alternating searches stay as they were.
  ...(a.update === 'alternating' ? {} : { update: a.update as 'simultaneous' }) };
if (a.update !== 'alternating' && a.update !== 'simultaneous') throw new Error(`--update: alternating or simultaneous, got '${a.update}'`);
const remedyWeight = (r: RemedyKind): number => (r === 'none' ? 0 : a['remedy-weight'] === undefined ? DEFAULT_REMEDY_WEIGHT[r] : Number(a['remedy-weight']));

/** One epoch of a search: mean edge entropy per cell type, the largest normal-cell weight, parameter-free edges of the derived normal cell. */
interface EpochFigures {
  normal: number; reduce: number; maxNormal: number; paramFree: number;
  /** E[latency] and the lagrange multiplier at the epoch's end (rows written before they were kept have neither). */
  expectedMs?: number; multiplier?: number;
}

interface Row {
  key: string; remedy: RemedyKind; remedyWeight: number; latency: LatencySetting; seed: number; sizes: typeof sizes;
  paramFreeNormal: number; entropyNormal: number; entropyReduce: number; maxNormalWeight: number;
  expectedMs: number; uniformMs: number; seconds: number; normal: [string, number][]; entropyPerEpoch: number[];
  /** The derived genotype, both cells (rows written before it was kept have `normal` only). */
  genotype?: CellGenotype;
  cpuSeconds: number; perEpoch: EpochFigures[];
  /** Per step: the weight step's loss (weight half) and the architecture step's loss (architecture half; null in warm-up). */
  stepLosses: [number, number | null][];
  /** With --db: the search's run in that store (its checkpoint for bench/darts-supernet-fidelity.ts). */
  db?: { path: string; run: number };
}

const backend = await initBackend();
const space = loadSpace(resolveSpacePath(a.space!)) as CellSpace;

// One op table for every search, so that settings differ by their loss, not by measurement noise.
const tablePath = `${a.out}.tables.json`;
const table: Record<string, number> = existsSync(tablePath) ? JSON.parse(readFileSync(tablePath, 'utf8')) as Record<string, number> : (() => {
  const net = buildSupernet(space, { rng: createRng(0) });
  const t = Object.fromEntries(measureSiteLatencies(supernetSites(net)));
  net.dispose();
  writeFileSync(tablePath, JSON.stringify(t));
  return t;
})();
const lat = (() => {
  const net = buildSupernet(space, { rng: createRng(0) });
  const ops = space.def.cell.ops.length, nodes = space.def.cell.nodes;
  const m = latencyMatrices(supernetSites(net), (nodes * (nodes + 3)) / 2, ops, (k) => table[k]);
  net.dispose();
  return m;
})();
// The uniform expectation and the constraint's target, per priced ops: a weighted setting's are over the ops with weights.
const uniformOf = (ops: LatencyOps): number => uniformLatency(lat, pricedOps(space.def.cell.ops, ops));
const targetOf = (ops: LatencyOps): number => Number(a['target-frac']) * uniformOf(ops);
// The constraint acts on the supernet's expectation, which also weighs the 3 of 9 edges the derived cell
// drops and the zero op; the derived cell is judged on its own scale: the same table's latency of the
// cell against the mean over uniform samples of the space, with the same fraction as its target.
const cellLatency = (g: CellGenotype): number => genotypeLatency(g, lat, space.def.cell.ops);
// What the weighted settings price, read off the derived cell: its edges with a weighted op, and their table latency
// against the same edges each with the mean of the weighted ops' (a uniform choice among the convolutions): under 1, cheaper convolutions.
const weightedMask = pricedOps(space.def.cell.ops, 'weighted')!.weighted;
const weightedEdges = (g: CellGenotype): { n: number; ratio: number } => {
  const es = genotypeEdgeLatencies(g, lat, space.def.cell.ops).filter((e) => weightedMask[e.op]);
  const uniform = es.reduce((s, e) => s + e.row.filter((_, k) => weightedMask[k]).reduce((x, y) => x + y, 0) / weightedMask.filter(Boolean).length, 0);
  return { n: es.length, ratio: es.reduce((s, e) => s + e.row[e.op], 0) / uniform };
};
const sampleRng = createRng(12345);
const randomCellMs = Array.from({ length: 2000 }, () => cellLatency(space.sample(sampleRng))).reduce((s, x) => s + x, 0) / 2000;
const cellTargetMs = Number(a['target-frac']) * randomCellMs;

const keyOf = (remedy: RemedyKind, latency: string, seed: number): string => JSON.stringify({ remedy, remedyWeight: remedyWeight(remedy), latency, seed, sizes });
const done = new Map<string, Row>();
if (existsSync(a.out)) for (const line of readFileSync(a.out, 'utf8').split('\n').filter(Boolean)) { const r = JSON.parse(line) as Row; done.set(r.key, r); }

const dir = a.db ? null : mkdtempSync(join(tmpdir(), 'darts-remedies-'));
const store = openStore(a.db ?? join(dir!, 'runs.db'));
try {
  for (const seed of seeds) for (const latency of latencies) for (const remedy of remedies) {
    const key = keyOf(remedy, latency, seed);
    if (done.has(key)) continue;
    const config: Partial<DartsConfig> & Pick<DartsConfig, 'space'> = {
      space: a.space!, seed, proxy: null, ...sizes,
      remedy: { kind: remedy, weight: remedyWeight(remedy) },
      latency: latency === 'none' ? { weight: 0, form: 'linear' }
        : latency.startsWith('penalty') ? { weight: Number(a['penalty-weight']), form: 'linear', ops: opsOf(latency) }
          : { weight: Number(a['lagrange-weight']), form: 'lagrange', targetMs: targetOf(opsOf(latency)), ops: opsOf(latency) },
    };
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const stepLosses: [number, number | null][] = [];
    const onStep = (s: DartsStepInfo): void => { stepLosses.push([Number(s.loss.toFixed(4)), Number.isNaN(s.archLoss) ? null : Number(s.archLoss.toFixed(4))]); };
    const out = await runDarts(config, store, { opLatency: (k) => table[k], onStep, log: (l) => console.error(`[${remedy} ${latency} s${seed}] ${l}`) });
    if (out.status !== 'finished' || !out.genotype) throw new Error(`${key}: ${out.status}`);
    const last = out.epochs.at(-1)!;
    const cpu = process.cpuUsage(cpu0);
    const snaps = store.listArchSnapshots(out.runId, 'normal');
    const maxAt = (epoch: number): number => Math.max(...snaps.filter((s) => s.epoch === epoch).at(-1)!.weights.edges.flatMap((e) => e.weights));
    const round = (x: number): number => Number(x.toFixed(4));
    const row: Row = {
      key, remedy, remedyWeight: remedyWeight(remedy), latency, seed, sizes, paramFreeNormal: last.collapse.parameterFree, entropyNormal: last.entropy.normal, entropyReduce: last.entropy.reduce,
      maxNormalWeight: Math.max(...snaps.at(-1)!.weights.edges.flatMap((e) => e.weights)), expectedMs: last.expectedLatencyMs, uniformMs: uniformOf(opsOf(latency)),
      seconds: (performance.now() - t0) / 1000, normal: out.genotype.normal as [string, number][], genotype: out.genotype, entropyPerEpoch: out.epochs.map((e) => Number(e.entropy.normal.toFixed(4))),
      cpuSeconds: (cpu.user + cpu.system) / 1e6, stepLosses, ...(a.db ? { db: { path: a.db, run: out.runId } } : {}),
      perEpoch: out.epochs.map((e) => ({
        normal: round(e.entropy.normal), reduce: round(e.entropy.reduce), maxNormal: round(maxAt(e.epoch)), paramFree: e.collapse.parameterFree,
        expectedMs: round(e.expectedLatencyMs), multiplier: round(e.latencyMultiplier),
      })),
    };
    appendFileSync(a.out, `${JSON.stringify(row)}\n`);
    done.set(key, row);
  }
} finally {
  store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

const rows = [...done.values()].filter((r) => JSON.stringify(r.sizes) === JSON.stringify(sizes) && r.remedyWeight === remedyWeight(r.remedy));
const mean = (xs: number[]): string => (xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(2);
console.log(`# darts-remedies: ${space.name}, ${sizes.epochs} epochs (${sizes.warmupEpochs} warm-up) x ${sizes.trainImages} images per half, batch ${sizes.batchSize}, K=${sizes.partialChannels}, arch lr ${sizes.archLearningRate}, `
  + `${sizes.dataParallel} thread(s); penalty weight ${a['penalty-weight']}, lagrange step ${a['lagrange-weight']} to ${targetOf('all').toFixed(3)} ms (${a['target-frac']} of the uniform ${uniformOf('all').toFixed(3)} ms; `
  + `-weighted: over the ops with weights, ${targetOf('weighted').toFixed(3)} of ${uniformOf('weighted').toFixed(3)} ms; -priced: with the dear parameter-free ops' excess, ${targetOf('priced').toFixed(3)} of ${uniformOf('priced').toFixed(3)} ms); `
  + `uniform entropy ln ${space.def.cell.ops.length} = ${Math.log(space.def.cell.ops.length).toFixed(3)}; ${backend.name}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| remedy (weight) | latency | seeds | param-free normal edges (each seed) | entropy normal | entropy reduce | max normal weight | E[latency] ms | wall s/search | CPU s/search |');
console.log('| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
const groups = LATENCY.flatMap((latency) => REMEDIES.map((remedy) => ({ latency, remedy, rs: rows.filter((r) => r.remedy === remedy && r.latency === latency).sort((x, y) => x.seed - y.seed) })))
  .filter((g) => g.rs.length);
for (const { latency, remedy, rs } of groups) {
  console.log(`| ${remedy} (${remedyWeight(remedy)}) | ${latency} | ${rs.length} | ${rs.map((r) => r.paramFreeNormal).join(', ')} of ${rs[0].normal.length} | ${mean(rs.map((r) => r.entropyNormal))} | ${mean(rs.map((r) => r.entropyReduce))} | `
    + `${mean(rs.map((r) => r.maxNormalWeight))} | ${mean(rs.map((r) => r.expectedMs))} | ${mean(rs.map((r) => r.seconds))} | ${rs.every((r) => r.cpuSeconds) ? mean(rs.map((r) => r.cpuSeconds)) : '-'} |`);
}
console.log('\nPer epoch, each search (entropy normal / reduce, max normal weight, parameter-free normal edges; with a latency term, E[latency] ms and the lagrange multiplier where the row keeps them):');
console.log('| remedy | latency | seed | ' + Array.from({ length: sizes.epochs }, (_, e) => `epoch ${e + 1}${e < sizes.warmupEpochs ? ' (warm-up)' : ''}`).join(' | ') + ' |');
console.log('| --- | --- | ---: | ' + Array.from({ length: sizes.epochs }, () => '---').join(' | ') + ' |');
for (const { latency, remedy, rs } of groups) {
  for (const r of rs.filter((x) => x.perEpoch)) {
    const lat = (e: EpochFigures): string => (latency === 'none' || e.expectedMs === undefined ? '' : `; ${e.expectedMs.toFixed(3)} ms${latency.startsWith('lagrange') ? `, λ ${e.multiplier!.toFixed(3)}` : ''}`);
    console.log(`| ${remedy} | ${latency} | ${r.seed} | ${r.perEpoch.map((e) => `${e.normal.toFixed(3)} / ${e.reduce.toFixed(3)}, ${e.maxNormal.toFixed(2)}, ${e.paramFree}${lat(e)}`).join(' | ')} |`);
  }
}

// Whether a search met the latency target: its supernet expectation against the constraint's target,
// and its derived cell against the same fraction of a uniform sample's (rows without a genotype are left out).
const withCell = groups.flatMap((g) => g.rs.filter((r) => r.genotype));
if (withCell.length) {
  console.log(`\nLatency per search: E[latency] of the supernet at the end against its target ${targetOf('all').toFixed(3)} ms (-weighted settings: over the ops with weights, ${targetOf('weighted').toFixed(3)} ms; -priced: ${targetOf('priced').toFixed(3)} ms); the derived cell's table latency (its 12 edges, summed over the cells of each type) `
    + `against ${a['target-frac']} x ${randomCellMs.toFixed(3)} ms, the mean over 2,000 uniform samples of the space = ${cellTargetMs.toFixed(3)} ms:`);
  console.log('| remedy | latency | seed | param-free normal edges | entropy normal / reduce | E[latency] ms (target met) | derived cell ms | / uniform sample | cell target met | weighted edges (of both cells) | their ms / a uniform choice of weighted op |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
  for (const r of withCell) {
    const ms = cellLatency(r.genotype!);
    const w = weightedEdges(r.genotype!);
    console.log(`| ${r.remedy} | ${r.latency} | ${r.seed} | ${r.paramFreeNormal} of ${r.normal.length} | ${r.entropyNormal.toFixed(3)} / ${r.entropyReduce.toFixed(3)} | `
      + `${r.expectedMs.toFixed(3)} (${r.expectedMs <= targetOf(opsOf(r.latency)) ? 'yes' : 'no'}) | ${ms.toFixed(3)} | ${(ms / randomCellMs).toFixed(2)} | ${ms <= cellTargetMs ? 'yes' : 'no'} | `
      + `${w.n} of ${r.genotype!.normal.length + r.genotype!.reduce.length} | ${w.n ? w.ratio.toFixed(2) : '-'} |`);
  }
}

// The two halves' losses per epoch (plain DARTS at latency weight 0, where the architecture loss is the
// cross-entropy): both are measured at the same weights step by step, so their epoch means differ only by
// the sampling noise of two batches per step; the last column is that noise's standard error over the epoch.
const plain = groups.find((g) => g.remedy === 'none' && g.latency === 'none')?.rs.filter((r) => r.stepLosses) ?? [];
if (plain.length) {
  console.log('\nPlain DARTS, loss of the two halves per epoch (mean over its steps; warm-up epochs have no architecture steps):');
  console.log('| seed | epoch | weight-half loss | architecture-half loss | difference | standard error of the difference |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of plain) {
    const per = r.stepLosses.length / sizes.epochs;
    for (let e = sizes.warmupEpochs; e < sizes.epochs; e++) {
      const steps = r.stepLosses.slice(e * per, (e + 1) * per);
      const d = steps.map(([w, v]) => v! - w);
      const m = d.reduce((x, y) => x + y, 0) / d.length;
      const sd = Math.sqrt(d.reduce((x, y) => x + (y - m) ** 2, 0) / (d.length - 1));
      const avg = (k: 0 | 1): string => (steps.reduce((x, st) => x + st[k]!, 0) / steps.length).toFixed(4);
      console.log(`| ${r.seed} | ${e + 1} | ${avg(0)} | ${avg(1)} | ${m.toFixed(4)} | ${(sd / Math.sqrt(d.length)).toFixed(4)} |`);
    }
  }
}
