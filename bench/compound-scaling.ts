/**
 * `node --import tsx bench/compound-scaling.ts [--space mobile-blocks] [--search-budget 4] [--phi 2]
 *   [--alphas 1.2,1.4] [--betas 1.1] [--epochs 1] [--train-images 512] [--val-images 256]
 *   [--db .scratch/compound-scaling.db] [--out bench/data/compound-scaling]`
 *
 * EfficientNet's claim at our scale: one searched net (the best of a small random search on
 * Fashion-MNIST) scaled by compound coefficients (grid-searched at phi = 1 by `cellscape scale`)
 * against width alone (beta = sqrt 2) and depth alone (alpha = 2), whose coefficients grow the
 * FLOPs by the same factor 2 per step of phi, so each phi compares nets of matched FLOPs (the
 * measured MACs are printed beside each accuracy: rounding of depths and widths moves them).
 *
 * Resumable: the database is the state (a finished search is reused; `cellscape scale` trains only
 * what its list runs lack), so the same command continues after a stop. OUT.md and OUT.json are
 * written from the stored families at the end; OUT.md names the command.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../search/cli.ts';
import { openStore } from '../search/store/store.ts';
import { SCALED_FAMILY_EVENT, scaledFamilyDataSchema, type ScaledFamilyData } from '../search/contracts/scaling.ts';

const { values: a } = parseArgs({ options: {
  space: { type: 'string', default: 'mobile-blocks' },
  'search-budget': { type: 'string', default: '4' },
  phi: { type: 'string', default: '2' },
  alphas: { type: 'string', default: '1.2,1.4' },
  betas: { type: 'string', default: '1.1' },
  epochs: { type: 'string', default: '1' },
  'train-images': { type: 'string', default: '512' },
  'val-images': { type: 'string', default: '256' },
  db: { type: 'string', default: '.scratch/compound-scaling.db' },
  out: { type: 'string', default: 'bench/data/compound-scaling' },
} });
const command = `node --import tsx bench/compound-scaling.ts ${process.argv.slice(2).join(' ')}`.trim();
const budget = ['--epochs', a.epochs!, '--train-images', a['train-images']!, '--val-images', a['val-images']!, '--workers', '1'];
const SEARCH_NAME = `compound-scaling source ${a.space}`;
mkdirSync(dirname(a.db!), { recursive: true });

async function cellscape(args: string[]): Promise<void> {
  console.log(`cellscape ${args.join(' ')}`);
  const code = await main([...args, '--db', a.db!]);
  if (code !== 0) throw new Error(`cellscape ${args[0]} exited with ${code}`);
}

// The source: the best candidate of a small random search (finished or resumed).
const existing = (() => { const s = openStore(a.db!); try { return s.listRuns().find((r) => r.name === SEARCH_NAME); } finally { s.close(); } })();
if (!existing) {
  await cellscape(['search', '--space', a.space!, '--strategy', 'random', '--budget', a['search-budget']!, '--name', SEARCH_NAME, '--latency-runtime', 'none', '--zc', 'none', ...budget]);
} else if (existing.status !== 'finished') {
  await cellscape(['resume', String(existing.id)]);
}
const store = openStore(a.db!);
const source = store.listRuns().find((r) => r.name === SEARCH_NAME)!;
const best = store.listCandidates(source.id, { status: 'done' }).reduce((x, y) => (y.metrics.accuracy! > x.metrics.accuracy! ? y : x));
store.close();

const scale = ['scale', String(source.id), '--candidate', String(best.id), '--phi', a.phi!, ...budget];
await cellscape([...scale, '--alphas', a.alphas!, '--betas', a.betas!]);
await cellscape([...scale, '--coefficients', 'width']);
await cellscape([...scale, '--coefficients', 'depth']);

// The report, from what the store holds.
const s = openStore(a.db!);
const families = s.listEventsOfKind(SCALED_FAMILY_EVENT).map((e) => scaledFamilyDataSchema.parse(e.data))
  .filter((f) => f.sourceRun === source.id && f.sourceCandidate === best.id);
const metricsOf = (id: number | null) => (id === null ? null : s.getCandidate(id)?.metrics ?? null);
const byLabel = (label: ScaledFamilyData['label']) => families.filter((f) => f.label === label).at(-1);
const order = ['compound', 'width', 'depth'] as const;
const src = metricsOf(best.id)!;
const cell = (m: ReturnType<typeof metricsOf>) => (m ? `${(m.accuracy! * 100).toFixed(1)} % / ${(m.flops! / 1e6).toFixed(2)} / ${(m.params! / 1e3).toFixed(1)}k` : 'failed');
const phis = Array.from({ length: Number(a.phi) }, (_, i) => i + 1);
const compound = byLabel('compound');
const rows = phis.map((phi) => `| ${phi} | ${order.map((l) => cell(metricsOf(byLabel(l)?.members.find((m) => m.phi === phi)?.candidate ?? null))).join(' | ')} |`);
const md = [
  `# Compound vs width-only vs depth-only scaling (${a.space}, Fashion-MNIST)`, '',
  `Made by \`${command}\` (resumable: the database ${a.db} is the state). Source: the best of a ${a['search-budget']}-candidate random search (run ${source.id}, candidate ${best.id}); every net trained from scratch at ${a.epochs} epoch(s) x ${a['train-images']} images, scored on ${a['val-images']} validation images (seed of the search run). Each cell: validation accuracy / MMACs / parameters. Width alone (1, 1.414, 1) and depth alone (2, 1, 1) grow the FLOPs by 2 per phi, as the compound coefficients do: each row compares nets of matched FLOPs (up to the rounding of depths and widths, visible in the MACs).`, '',
  `Compound coefficients: ${compound ? `alpha ${compound.alpha}, beta ${compound.beta}, gamma ${compound.gamma}, the best at phi = 1 of: ${compound.grid.map((g) => `(${g.alpha}, ${g.beta}, ${g.gamma}) ${g.quality === null ? 'failed' : `${(g.quality * 100).toFixed(1)} %`}`).join('; ')}` : 'not computed'}.`, '',
  '| phi | compound | width only | depth only |', '|---|---|---|---|',
  `| 0 | ${cell(src)} | ${cell(src)} | ${cell(src)} |`,
  ...rows, '',
];
mkdirSync(dirname(a.out!), { recursive: true });
writeFileSync(`${a.out}.md`, md.join('\n'));
writeFileSync(`${a.out}.json`, JSON.stringify({ command, source: { run: source.id, candidate: best.id, metrics: src }, families: order.map((l) => {
  const f = byLabel(l);
  return f ? { ...f, metrics: f.members.map((m) => ({ phi: m.phi, ...metricsOf(m.candidate) })) } : { label: l, missing: true };
}) }, null, 1) + '\n');
s.close();
console.log(md.join('\n'));
