/**
 * Single-path supernet training on every core (`--data-parallel N`, SPOS and Once-for-All): N
 * worker threads each build the trainer's supernet from the run's config, and before every step
 * each points it at the step's subnet with the trainer's own selectStep, a function of the seed
 * and the step's number alone, so that all of them train the same subnet, each on its 1/N of the
 * batch; the group averages their gradients (train/data-parallel/). The loop's own supernet
 * (run.ts) stays idle during an epoch and takes worker 0's state at its end, for the scoring and
 * the checkpoint; a resumed run hands the checkpoint to fresh workers. Every step the group also
 * compares the subnet each worker selected (selectStep's text, by digest), which the weights
 * cannot show: a worker on another subnet applies the same averaged gradients as the others.
 *
 * The worker half is `pathReplica` (each trainer's module exports one as its createReplica), the
 * loop's half `pathSteps`.
 */
import type { Genotype } from '../../space/types.ts';
import { networkReplica } from '../../train/data-parallel/network-replica.ts';
import { networkSteps, type NetworkSteps } from '../../train/data-parallel/network-steps.ts';
import { stepperOptions } from '../../train/loop.ts';
import { pathTrainOptions, type PathTrainingConfig } from './path-config.ts';
import type { PathTrainer } from './run.ts';

/** The data set's side of a supernet: its input shape and classes, and the epoch's steps (Once-for-All's phase follows from them). */
export interface PathData { inShape: number[]; classes: number; stepsPerEpoch: number }

interface ReplicaArgs<C> extends PathData { config: C }

/** A trainer module's createReplica: the trainer `trainerOf` makes of the run's config, its supernet trained by networkReplica. */
export function pathReplica<C extends PathTrainingConfig, G extends Genotype>(trainerOf: (c: C) => PathTrainer<G>) {
  return (args: unknown) => {
    const { config, inShape, classes, stepsPerEpoch } = args as ReplicaArgs<C>;
    const t = trainerOf(config);
    const net = t.build(inShape, classes);
    return networkReplica(net, stepperOptions(pathTrainOptions(config)), { beforeStep: (a) => t.selectStep(net, a.step, stepsPerEpoch) });
  };
}

/** The loop's remote steps on `c.dataParallel` workers, each a replica from the trainer's module. */
export function pathSteps<G extends Genotype>(t: PathTrainer<G>, c: PathTrainingConfig, data: PathData): Promise<NetworkSteps> {
  return networkSteps({
    workers: c.dataParallel, replica: t.replica, args: { config: c, ...data } satisfies ReplicaArgs<PathTrainingConfig>, backend: c.backend, shape: data.inShape, classes: data.classes,
  });
}
