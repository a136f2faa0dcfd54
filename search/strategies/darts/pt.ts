/**
 * Perturbation-based architecture selection (DARTS-PT: Wang et al., ICLR 2021, "Rethinking
 * Architecture Selection in Differentiable NAS"; sota/cnn/projection.py of ruocwang/darts-pt):
 * the cell is read off the trained supernet by what the supernet loses without an operation, not
 * by the largest alpha. On this CPU budget the alphas drift to pooling (bench/data/
 * darts-search-defaults.md) while the weights train fine; DARTS-PT reads only the weights, and its
 * fixed-alpha variant (here: `--warmup-epochs` equal to `--epochs`) needs no architecture step.
 *
 * The procedure, as in the paper: edges in a seeded random order, one edge of each cell type per
 * move; on the edge, each operation is masked in turn (its mixing weight set to 0, the others left
 * as they are, no renormalisation) and the supernet is scored on validation batches; the operation
 * whose removal costs the most accuracy is kept, and the edge becomes that operation alone (weight
 * 1). Then, node by node in a seeded random order, of a node's input edges the one whose removal
 * costs the least is dropped until two remain (the paper's topology selection). After every move
 * the supernet's weights are fine-tuned for `tuneSteps` steps on the weight half with the projected
 * weights (the paper: 10 epochs of CIFAR-10 at a tenth of the learning rate, momentum restarted).
 *
 * What is simplified for the CPU, and why:
 * - Scoring reads the same `valImages` of the architecture half for every candidate (the paper: the
 *   whole validation set). Candidates of a move are compared on the same images, so their
 *   differences are paired; ties in accuracy go to the higher loss (the larger cost).
 * - `none` is not a candidate: masking it changes nothing (a zero op adds nothing to the sum).
 * - Fine-tuning is `tuneSteps` steps (0: none), the architecture untouched (the fixed-alpha
 *   variant; DARTS-PT also keeps taking architecture steps in between when alpha is trained).
 * - With PC-DARTS's edge normalisation an edge is removed by zeroing its edge weight (its bypassed
 *   channels would otherwise still flow); kept edges keep their edge weights.
 * - Scoring runs in the search's thread (BN in training mode, as the paper's `_eval=False`; the
 *   running statistics it moves are put back after every move, so a move leaves them as tuning
 *   alone would), not on the data-parallel workers.
 * Classification spaces only (the score is top-1 accuracy).
 *
 * Zero-Cost-PT (Xiang et al., AAAI 2023, "Zero-Cost Operation Scoring in Differentiable
 * Architecture Search"; zerocostptnas/zerocost_operation_score) makes the same moves with a
 * zero-cost proxy of the supernet in place of its accuracy (`criterion`), on a supernet that need
 * not be trained: with `epochs` 0 the selection reads the supernet as initialised from the seed.
 * Its reference scores one new batch a move; here every move reads the same batches, as above.
 */
import { z } from 'zod';
import { join } from 'node:path';
import { DARTS_SELECTION_EVENT, withoutKey } from '../../contracts/darts-selection.ts';
import { proxyByName } from '../../evaluate/zero-cost/index.ts';
import { ZERO_OP } from '../../space/ops.ts';
import type { CellEdge, CellGenotype } from '../../space/types.ts';
import { loadOptimizer, saveOptimizer, saveWeights } from '../../train/checkpoint.ts';
import { createStepper, type Stepper } from '../../train/optimizer.ts';
import { cosineLr } from '../../train/schedule.ts';
import { createRng } from '../../util/rng.ts';
import type { CellType, RunNote } from '../supernet.ts';
import { CELL_TYPES } from './arch.ts';
import { weightStep, type XY } from './bilevel.ts';
import { pruneCheckpoints, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { firstEdgeOf } from './derive.ts';
import type { DartsConfig } from './config.ts';
import { disposeBatch, type DartsData } from './data.ts';
import { archModule, type DartsSession } from './session.ts';
import { fixedMixer, keepingBuffers, scoreSupernet, supernetProxy, supernetWeights, type CellWeights } from './supernet-score.ts';

const int = z.int();

/**
 * The judges a move can compare candidates by. jacob_cov is the one zero-cost proxy offered: on
 * darts-fmnist-small's 4-epoch table it is the only proxy that ranks cells better than chance
 * (bench/evaluator-board.ts), where every trained supernet ranks them at chance
 * (bench/data/darts-search-defaults.md, sections 14-17). It reads the supernet's input gradient, which
 * a masked op no longer feeds; NASWOT (the Zero-Cost-PT reference's default) counts the ReLU codes
 * of every op the mixture computes, masked or not, so it cannot see a mask here.
 */
export const PT_CRITERIA = ['accuracy', 'jacob_cov'] as const;

/** How the genotype is read off the supernet: the largest alphas (DARTS), or DARTS-PT's perturbation. */
export const selectionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('alpha') }),
  z.strictObject({
    kind: z.literal('pt'),
    /** What a candidate is judged by: the supernet's validation accuracy (DARTS-PT), or a zero-cost proxy of it (Zero-Cost-PT). */
    criterion: z.enum(PT_CRITERIA).default('accuracy'),
    /** Images of the architecture half every candidate is scored on (whole batches of the run's batch size). */
    valImages: int.min(1),
    /** Weight steps after every move, on the weight half with the projected weights (0: none). */
    tuneSteps: int.min(0),
  }),
]);
export type SelectionConfig = z.infer<typeof selectionSchema>;
export type PtConfig = Extract<SelectionConfig, { kind: 'pt' }>;
export const SELECTIONS = ['alpha', 'pt'] as const;
export const DEFAULT_PT = { criterion: 'accuracy', valImages: 256, tuneSteps: 0 } as const;

const perCell = <T extends z.ZodType>(t: T) => z.strictObject({ normal: t, reduce: t });

/** The selection's progress, saved with the run's state after every move (a resume continues at the next move). */
export const ptStateSchema = z.strictObject({
  /** Moves done: first one per edge, then one per node with more than two inputs. */
  done: int.min(0),
  /** Per cell type and edge (supernet order), the operation kept, null while undecided. */
  ops: perCell(z.array(z.string().nullable())),
  /** Per cell type and node, the input edges kept (edge indices), null while undecided. */
  inputs: perCell(z.array(z.array(int.min(0)).nullable())),
  /** Fine-tuning steps taken (the tuning schedule's position). */
  step: int.min(0),
  /** Whether the run's checkpoint is the selection's own (holding the tuning optimizer's slots). */
  tuned: z.boolean(),
});
export type PtState = z.infer<typeof ptStateSchema>;

/** Supernet rows of the nodes: node i reads edges firstEdgeOf(i) .. firstEdgeOf(i) + i + 1 (inputs 0..i+1). */
const nodeEdges = (nodes: number): number[][] =>
  Array.from({ length: nodes }, (_, node) => Array.from({ length: node + 2 }, (_, i) => firstEdgeOf(node) + i));

/** The moves in order: every edge (one of each cell type per move, each type in its own seeded order), then the nodes with a choice of inputs. */
export function ptMoves(nodes: number, seed: number): { edges: Record<CellType, number[]>; nodes: number[] } {
  const rng = createRng([0x9e3779b9, seed >>> 0, 0x7054, 0x5e1]);
  const shuffle = (xs: number[]): number[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) { const j = rng.int(i + 1); [a[i], a[j]] = [a[j], a[i]]; }
    return a;
  };
  const edges = nodeEdges(nodes).flat();
  return { edges: { normal: shuffle(edges), reduce: shuffle(edges) }, nodes: shuffle(nodeEdges(nodes).flatMap((e, i) => (e.length > 2 ? [i] : []))) };
}

export function initialPtState(nodes: number): PtState {
  const edges = (nodes * (nodes + 3)) / 2;
  const blank = () => ({ normal: Array<string | null>(edges).fill(null), reduce: Array<string | null>(edges).fill(null) });
  const inputs = () => Array<number[] | null>(nodes).fill(null);
  return { done: 0, ops: blank(), inputs: { normal: inputs(), reduce: inputs() }, step: 0, tuned: false };
}

/** The genotype of a finished selection: per node its two kept inputs with their kept operations. */
export function ptGenotype(s: PtState, nodes: number): CellGenotype {
  const half = (t: CellType): CellEdge[] => nodeEdges(nodes).flatMap((rows, node) => {
    const kept = s.inputs[t][node] ?? (rows.length === 2 ? rows : null);
    if (!kept) throw new Error(`selection: node ${node} of the ${t} cell has no inputs chosen`);
    return [...kept].sort((a, b) => a - b).map((e): CellEdge => {
      const op = s.ops[t][e];
      if (!op) throw new Error(`selection: edge ${e} of the ${t} cell has no operation chosen`);
      return [op, e - rows[0]];
    });
  });
  const concat = Array.from({ length: nodes }, (_, i) => i + 2);
  return { normal: half('normal'), normal_concat: concat, reduce: half('reduce'), reduce_concat: [...concat] };
}

/** The supernet's weights with the selection's decisions applied (decided edges one-hot, dropped edges zero). */
export function projectedWeights(base: Record<CellType, CellWeights>, s: PtState, ops: readonly string[], nodes: number): Record<CellType, CellWeights> {
  const out = {} as Record<CellType, CellWeights>;
  for (const t of CELL_TYPES) {
    const rows = base[t].rows.map((r, e) => {
      const op = s.ops[t][e];
      return op === null ? [...r] : ops.map((o) => (o === op ? 1 : 0));
    });
    const edges = base[t].edges && [...base[t].edges];
    nodeEdges(nodes).forEach((rowsOfNode, node) => {
      const kept = s.inputs[t][node];
      if (!kept) return;
      for (const e of rowsOfNode) if (!kept.includes(e)) { rows[e] = rows[e].map(() => 0); if (edges) edges[e] = 0; }
    });
    out[t] = { rows, edges };
  }
  return out;
}

/** How a move compares candidates: each one's named figures, and whether one leaves the supernet worse off than another. */
interface Judge {
  score(w: Record<CellType, CellWeights>): Record<string, number>;
  worse(a: Record<string, number>, b: Record<string, number>): boolean;
}

/** DARTS-PT: lower accuracy is worse, and on a tie a higher loss. */
const accuracyJudge = (s: DartsSession, batches: readonly XY[]): Judge => ({
  score: (w) => { const r = scoreSupernet(s, batches, w); return { accuracy: r.acc, loss: r.loss }; },
  worse: (a, b) => a.accuracy < b.accuracy || (a.accuracy === b.accuracy && a.loss > b.loss),
});

/** Zero-Cost-PT (Xiang et al., AAAI 2023): a lower proxy score is worse. */
const proxyJudge = (s: DartsSession, batches: readonly XY[], name: string): Judge => {
  const proxy = proxyByName(name);
  return { score: (w) => ({ [name]: supernetProxy(s, batches, w, proxy) }), worse: (a, b) => a[name] < b[name] };
};

export interface PtRun {
  config: DartsConfig;
  pt: PtConfig;
  session: DartsSession;
  data: DartsData;
  /** The selection's state so far (initialPtState at the start). */
  state: PtState;
  /** Where the run's checkpoints go; `checkpoint` is the one the run's state names now (null: the supernet as initialised, not yet saved). */
  checkpointDir: string;
  checkpoint: string | null;
  /** The search's step count, where the selection's checkpoints continue the count. */
  searchSteps: number;
  /** Stores a move: its notes and the state after it (with the checkpoint the run should resume from). */
  commit(state: PtState, checkpoint: string | null, notes: RunNote[], last: boolean): void;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** A move's note of each figure without each candidate, as `accuracyWithout`, `lossWithout`, `jacob_covWithout`. */
const notedWithout = <T>(byFigure: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(byFigure).map(([figure, v]) => [withoutKey(figure), v]));

/** Runs the selection's remaining moves; returns the final state, or null when the signal stopped it (the last committed move stays). */
export async function selectByPerturbation(r: PtRun): Promise<PtState | null> {
  const { config: c, pt, session: s, data } = r;
  const ops = [...s.arch.ops];
  const nodes = s.arch.nodes;
  const log = r.log ?? (() => {});
  const moves = ptMoves(nodes, c.seed);
  const total = moves.edges.normal.length + moves.nodes.length;
  const tuneTotal = pt.tuneSteps * total;
  const candidates = ops.flatMap((op, k) => (op === ZERO_OP ? [] : [k]));

  // The scoring batches: the first whole batches of the architecture half in an order no search epoch used.
  const valB = data.batches('val', c.epochs);
  const batches = Array.from({ length: Math.min(valB.perEpoch, Math.max(1, Math.floor(pt.valImages / c.batchSize))) }, () => valB.next() as XY);
  const judge = pt.criterion === 'accuracy' ? accuracyJudge(s, batches) : proxyJudge(s, batches, pt.criterion);
  // DARTS-PT restarts the weights' momentum for the tuning (model.reset_optimizer); so does a fresh stepper.
  let tuner: Stepper | null = null;
  const tuneLr = c.learningRate / 10;
  let state = r.state;
  let checkpoint = r.checkpoint;
  try {
    if (pt.tuneSteps > 0) {
      tuner = createStepper(s.weights, { kind: 'momentum', learningRate: tuneLr, momentum: c.momentum, weightDecay: c.weightDecay, weightDecayMode: 'l2', clipNorm: c.clipNorm });
      // A tuned state names the selection's own checkpoint, written with the tuning optimizer's slots.
      if (state.tuned) await loadOptimizer(tuner.optimizer, s.weights, readCheckpoint(checkpoint!).weightOptimizer);
    }
    const base = supernetWeights(s.arch);
    for (let move = state.done; move < total; move++) {
      if (r.signal?.aborted) return null;
      const t0 = performance.now();
      const next: PtState = structuredClone(state);
      const scores: Record<string, unknown> = {};
      // Scoring runs BN in training mode, which moves the running statistics: they are put back.
      keepingBuffers(s, () => {
        for (const t of CELL_TYPES) {
          const now = projectedWeights(base, state, ops, nodes);
          if (move < moves.edges[t].length) {
            const edge = moves.edges[t][move];
            let best: { k: number; sc: Record<string, number> } | null = null;
            const without: Record<string, Record<string, number>> = {};
            for (const k of candidates) {
              const w = structuredClone(now);
              w[t].rows[edge][k] = 0;
              const sc = judge.score(w);
              for (const [figure, v] of Object.entries(sc)) (without[figure] ??= {})[ops[k]] = v;
              if (!best || judge.worse(sc, best.sc)) best = { k, sc };
            }
            next.ops[t][edge] = ops[best!.k];
            scores[t] = { edge, kept: ops[best!.k], ...notedWithout(without) };
          } else {
            const node = moves.nodes[move - moves.edges[t].length];
            const kept = [...nodeEdges(nodes)[node]];
            const rounds: Record<string, Record<string, number>[]> = {};
            while (kept.length > 2) {
              // Drop the edge whose removal leaves the supernet best off.
              let drop: { e: number; sc: Record<string, number> } | null = null;
              const round: Record<string, Record<string, number>> = {};
              for (const e of kept) {
                const w = structuredClone(now);
                w[t].rows[e] = w[t].rows[e].map(() => 0);
                if (w[t].edges) w[t].edges[e] = 0;
                const sc = judge.score(w);
                for (const [figure, v] of Object.entries(sc)) (round[figure] ??= {})[e] = v;
                if (!drop || judge.worse(drop.sc, sc)) drop = { e, sc };
              }
              kept.splice(kept.indexOf(drop!.e), 1);
              for (const [figure, r] of Object.entries(round)) (rounds[figure] ??= []).push(r);
              now[t].rows[drop!.e] = now[t].rows[drop!.e].map(() => 0);
              if (now[t].edges) now[t].edges[drop!.e] = 0;
            }
            next.inputs[t][node] = kept;
            scores[t] = { node, kept, ...notedWithout(rounds) };
          }
        }
      });
      next.done = move + 1;
      if (tuner) {
        const trainB = data.batches('train', c.epochs + move);
        const w = projectedWeights(base, next, ops, nodes);
        for (let i = 0; i < pt.tuneSteps; i++) {
          if (r.signal?.aborted) return null;
          const b = trainB.next();
          try {
            weightStep(s.net, s.weights, s.arch, b, tuner, cosineLr(next.step, tuneTotal, tuneLr, c.minLearningRate), fixedMixer(w));
          } finally {
            disposeBatch(b);
          }
          next.step++;
        }
        next.tuned = true;
        const path = join(r.checkpointDir, `select-${move + 1}.ckpt`);
        writeCheckpoint(path, { epoch: c.epochs, step: r.searchSteps + next.step, weights: saveWeights(s.net), alphas: saveWeights(archModule(s.arch)), weightOptimizer: await saveOptimizer(tuner.optimizer, s.weights), archOptimizer: [] });
        checkpoint = path;
      }
      r.commit(next, checkpoint, [{ level: 'info', kind: DARTS_SELECTION_EVENT, message: `selection move ${move + 1}/${total}`, data: { move, ...scores } }], move + 1 === total);
      if (next.tuned) pruneCheckpoints(r.checkpointDir, checkpoint!);
      state = next;
      const said = (t: CellType): string => {
        const x = scores[t] as { edge?: number; node?: number; kept: unknown };
        return x.edge !== undefined ? `${t} edge ${x.edge}: ${x.kept}` : `${t} node ${x.node}: inputs ${JSON.stringify(x.kept)}`;
      };
      log(`selection move ${move + 1}/${total}: ${CELL_TYPES.map(said).join(', ')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    return state;
  } finally {
    tuner?.dispose();
    batches.forEach(disposeBatch);
  }
}
