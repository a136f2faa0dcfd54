/** How buildNetwork and buildSupernet build: the task, classes, input shape and weight initialisation. */
import type { Task } from '../contracts/task.ts';
import type { Rng } from '../util/rng.ts';

export interface BuildOptions {
  /** Defaults: the space's task, classes and input shape [h, w, c]. */
  task?: Task;
  classes?: number;
  inShape?: number[];
  /** Weight initialisation; default createRng(0). */
  rng?: Rng;
}
