/**
 * The rows bench/darts-supernet-fidelity.ts appends (bench/data/darts-supernet-fidelity.jsonl): one
 * trained supernet checkpoint each, with its supernet accuracy and loss on each reference
 * architecture, so that any later board can rank the checkpoint as a judge without loading it
 * again. Read here with a zod schema, so a damaged or foreign line names its file, line and field.
 */
import { z } from 'zod';
import { readJsonLines } from '../../util/json-input.ts';
import { SUPERNET_OPS, WEIGHT_SAMPLINGS } from './config.ts';
import { SELECTIONS } from './pt.ts';
import { REMEDIES } from './remedies.ts';

const int = z.int();
const fidelityRowSchema = z.object({
  db: z.string(),
  run: int.min(1),
  // Rows written before df5c29c scored a finished run's last checkpoint and did not name its epoch.
  epoch: int.min(1).optional(),
  config: z.object({
    epochs: int.min(1), warmupEpochs: int.min(0), trainImages: int.min(1), partialChannels: int.min(1),
    remedy: z.enum(REMEDIES), seed: int.min(0), selection: z.enum(SELECTIONS),
    // Rows written before these options existed were trained with their defaults (dartsConfigSchema's).
    weightSampling: z.enum(WEIGHT_SAMPLINGS).default('mixture'),
    supernetOps: z.enum(SUPERNET_OPS).default('darts'),
  }),
  byAccuracy: z.object({ secondsPerCandidate: z.number().nonnegative() }),
  rows: z.array(z.object({ key: z.string().min(1), acc: z.number().min(0).max(1), loss: z.number() })).min(1),
});
export type SupernetFidelityRow = z.infer<typeof fidelityRowSchema>;

/** The checkpoints of a fidelity file, checked; a usage error naming the file, line and field otherwise. */
export function readSupernetFidelity(path: string): SupernetFidelityRow[] {
  return readJsonLines(path, fidelityRowSchema, "bench/darts-supernet-fidelity.ts's checkpoint scores", '--supernets');
}

/**
 * A genotype's score on a supernet, higher better: its accuracy on a few hundred images ties often,
 * so the loss breaks the ties. The fidelity bench and the evaluator board rank by this one rule.
 */
export function supernetScore(r: { acc: number; loss: number }): number {
  return r.acc - 1e-6 * r.loss;
}

/** A checkpoint named by what distinguishes it: how its weights were trained, its size, seed and epoch. */
export function supernetName(r: SupernetFidelityRow): string {
  const c = r.config;
  const form = c.remedy === 'gdas' ? 'GDAS' : c.weightSampling === 'uniform-cell' ? 'uniform-cell' : c.warmupEpochs >= c.epochs ? 'mixture, fixed alphas' : 'mixture';
  const extras = [c.remedy !== 'none' && c.remedy !== 'gdas' ? c.remedy : '', c.supernetOps === 'standalone' ? 'standalone ops' : ''].filter(Boolean);
  const warmup = c.warmupEpochs > 0 && c.warmupEpochs < c.epochs ? ` (${c.warmupEpochs} warm-up)` : '';
  return `supernet ${[form, ...extras].join(', ')}; ${c.epochs} ep${warmup} x ${c.trainImages.toLocaleString('en')} img, K=${c.partialChannels}; seed ${c.seed}, epoch ${r.epoch ?? c.epochs}`;
}
