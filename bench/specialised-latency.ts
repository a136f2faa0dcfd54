/**
 * `node --import tsx bench/specialised-latency.ts --lut LUT [--rounds 5] [--repeats 20] DIR...`
 *
 * The exports of `cellscape specialise` (each DIR an OUT/latency_ms-TARGET directory with its
 * model.json) measured at batch 1 on one thread (tfjs, the backend `cellscape lut` measures on),
 * beside what the lookup table LUT predicts for the same network and the target in the directory's
 * name. The models are measured in turns (`--rounds` of `--repeats` runs each, after warm-up), so a
 * change of the machine's load falls on all of them alike; each figure is the median of the
 * rounds' medians, with the rounds' lowest and highest. Make LUT just before (`cellscape lut`),
 * so table and models are measured at about the same load, and note `uptime` beside the output.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { loadExportedModel } from '../search/export/tfjs.ts';
import { quantile } from '../search/latency/measure.ts';
import { tfjsRuntime } from '../search/latency/runtimes.ts';
import { predictLatency, readLatencyTable } from '../search/latency/table.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  lut: { type: 'string' },
  rounds: { type: 'string', default: '5' },
  repeats: { type: 'string', default: '20' },
} });
if (!values.lut || !positionals.length) throw new Error('usage: bench/specialised-latency.ts --lut LUT [--rounds N] [--repeats N] DIR...');
const rounds = Number(values.rounds), repeats = Number(values.repeats);
if (!(Number.isInteger(rounds) && rounds >= 1 && Number.isInteger(repeats) && repeats >= 1)) throw new Error('--rounds and --repeats: positive integers');

await initBackend({});
const table = readLatencyTable(values.lut);
const models = [];
for (const dir of positionals) {
  const m = /latency_ms-([\d.]+)$/.exec(basename(dir));
  if (!m) throw new Error(`${dir}: not a specialise export of a latency target (OUT/latency_ms-TARGET)`);
  const { network, topology } = await loadExportedModel(dir);
  const shape = [...topology.input.shape];
  models.push({ dir, target: Number(m[1]), network, shape, predicted: predictLatency(table, network, values.lut), medians: [] as number[] });
}
for (let r = 0; r < rounds; r++) {
  for (const x of models) x.medians.push((await tfjsRuntime.measure(x.network, x.shape, { warmup: 5, repeats })).medianMs);
}
console.log(`${rounds} rounds of ${repeats} batch-1 runs each, in turns; lookup table ${values.lut}`);
console.log('| export | target | predicted (lut) | measured, median of rounds (lowest-highest) | measured / predicted | target met |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const x of models) {
  const sorted = [...x.medians].sort((a, b) => a - b);
  const med = quantile(sorted, 0.5);
  console.log(`| ${x.dir} | ${x.target} ms | ${x.predicted.toFixed(2)} ms | ${med.toFixed(2)} ms (${sorted[0].toFixed(2)}-${sorted.at(-1)!.toFixed(2)}) | ${(med / x.predicted).toFixed(2)} | ${med <= x.target ? 'yes' : 'no'} |`);
  x.network.dispose();
}
