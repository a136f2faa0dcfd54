/**
 * `cellscape lut`: measures every unit (op, input shape, stride) the space's networks use, writes
 * the lookup table, and reports how well summed entries rank measured whole networks (Spearman
 * over a seeded sample of genotypes).
 */
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { initBackend } from '../backend/index.ts';
import { buildNetwork } from '../space/build.ts';
import { rankCorrelation } from '../util/rank.ts';
import { tfjsRuntime } from '../latency/runtimes.ts';
import { measureUnits, predictLatency, writeLatencyTable, type LatencyTable } from '../latency/table.ts';
import { latencyUnits } from '../latency/units.ts';
import { blockCoverageUnits } from '../latency/block-coverage.ts';
import { DATASET_NAMES, loadDataset } from '../data/registry.ts';
import type { Network } from '../nn/network.ts';
import { loadSpace, resolveSpacePath, type LoadedSpace } from '../space/load.ts';
import type { CellGenotype, Genotype } from '../space/types.ts';
import { UsageError } from '../util/errors.ts';
import { checkOutFile } from '../util/files.ts';
import { createProgress } from '../util/progress.ts';
import { createRng } from '../util/rng.ts';
import { parseFlags } from '../run/flags.ts';

const HELP = `Usage: cellscape lut --space FILE [--dataset NAME] [--out lut.json] [--repeats N] [--warmup N] [--samples N] [--seed S] [--backend NAME]

Measures a per-operation latency lookup table for a space at batch 1 and checks it on
--samples random genotypes (default 20; 0 skips the check). --dataset: at that data set's input
shape and classes, as a search on it builds its networks (default: the space's declared input).`;

/**
 * Genotypes that together use every op at every position kind of a cell space's cells: one per op,
 * with each node reading a cell input (stride 2 in reduction cells) and an earlier state.
 */
function coverageGenotypes(space: LoadedSpace): Genotype[] {
  const def = space.def;
  if (def.family === 'cell') {
    const ops = def.cell.ops.filter((op) => op !== 'none');
    const concat = Array.from({ length: def.cell.nodes }, (_, i) => i + 2);
    return ops.map((op): CellGenotype => {
      const half = Array.from({ length: def.cell.nodes }, (_, n): [string, number][] => [[op, 0], [op, n + 1]]).flat();
      return { normal: half, normal_concat: concat, reduce: half, reduce_concat: concat };
    });
  }
  if (def.family === 'tabular-cell') {
    return def.cell.ops.filter((op) => op !== 'none').map((op) => ({ nodes: Array.from({ length: def.cell.nodes - 1 }, (_, i) => Array<string>(i + 1).fill(op)) }));
  }
  // Block spaces are covered unit by unit (latency/block-coverage.ts).
  return [];
}

const int = (min: number) => z.coerce.number().int().min(min);
const flagsSchema = z.strictObject({
  space: z.string({ error: 'required: a space file or shipped name' }),
  dataset: z.enum(DATASET_NAMES).optional(),
  out: z.string().default('lut.json'),
  repeats: int(1).default(20),
  warmup: int(0).default(5),
  samples: int(0).default(20),
  seed: int(0).default(0),
  backend: z.enum(['tensorflow', 'wasm', 'cpu']).optional(),
  help: z.boolean().optional(),
});

export const command: Command = {
  async run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) { console.log(HELP); return 0; }
    const { flags: f } = parseFlags(argv, flagsSchema, { booleans: ['help'] });
    const { out, repeats, warmup, samples, seed } = f;
    const space = loadSpace(resolveSpacePath(f.space));
    checkOutFile('--out', out); // before minutes of measuring, not at the final write
    const backend = await initBackend({ backend: f.backend });
    const data = f.dataset ? loadDataset(f.dataset, { subset: { train: 1, val: 0, test: 0 } }) : null;
    const inShape = data ? [...data.shape] : [...space.def.input.shape];
    const classes = data?.numClasses ?? space.def.input.classes;
    const rng = createRng(seed);

    const build = (g: Genotype): Network => buildNetwork(space, g, { rng: createRng(seed), inShape, classes });
    const sampled = Array.from({ length: samples }, () => space.sample(rng));
    const coverage = coverageGenotypes(space);
    // Units of every network, built one at a time; measuring needs them alive, so keep the nets until done.
    const nets = [...coverage, ...sampled].map(build);
    const blocks = space.family === 'block' ? blockCoverageUnits(space, inShape, classes, createRng(seed)) : null;
    try {
      const units = [...(blocks?.units ?? []), ...nets.flatMap((n) => latencyUnits(n))];
      const distinct = new Set(units.map((u) => u.key)).size;
      const progress = createProgress({ label: 'lut', total: distinct + samples });
      const entries = await measureUnits(units, { warmup, repeats }, (key) => progress.tick(1, key));
      const table: LatencyTable = {
        version: 1, runtime: tfjsRuntime.name, backend: backend.name, threads: backend.threads, space: space.name, spaceHash: space.hash,
        inShape, warmup, repeats, created: new Date().toISOString(), entries,
      };
      const measured: number[] = [];
      const predicted: number[] = [];
      for (const net of nets.slice(coverage.length)) {
        const m = await tfjsRuntime.measure(net, inShape, { warmup, repeats });
        measured.push(m.medianMs);
        predicted.push(predictLatency(table, net));
        progress.tick(1, `network ${measured.length}/${samples}`);
      }
      progress.finish();
      const rho = samples >= 2 ? rankCorrelation(predicted, measured) : NaN;
      table.check = { samples, spearman: Number.isFinite(rho) ? rho : null };
      writeLatencyTable(out, table);
      console.log(`${out}: ${distinct} entries for space '${space.name}' on ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}), ${repeats} repeats after ${warmup} warm-up`);
      if (samples >= 2) {
        const ratio = predicted.reduce((s, p, i) => s + p / measured[i], 0) / samples;
        console.log(`check on ${samples} sampled genotypes: Spearman rank correlation ${rho.toFixed(3)}; predicted/measured ${ratio.toFixed(2)} on average`);
      }
      return 0;
    } finally {
      nets.forEach((n) => n.dispose());
      blocks?.modules.forEach((m) => m.dispose());
    }
  },
};
