/**
 * The flags of a few-shot segmentation search (`--task fewshot-seg` on a segmentation space): the
 * head that answers episodes and how many episodes score a candidate, recorded in the few-shot
 * evaluator's spec (search/evaluate/fewshot.ts).
 */
import { z } from 'zod';
import { DERIVED_TASKS, type RunTask, type Task } from '../contracts/task.ts';
import { FEWSHOT_HEADS } from '../evaluate/fewshot-score.ts';
import { fewShotSpec, type FewShotSpec } from '../evaluate/fewshot.ts';
import { UsageError } from '../util/errors.ts';

const DERIVED = Object.keys(DERIVED_TASKS) as [Exclude<RunTask, Task>, ...Exclude<RunTask, Task>[]];

export const fewShotFlags = {
  task: z.enum(DERIVED).optional(),
  'fewshot-head': z.enum(FEWSHOT_HEADS).optional(),
  episodes: z.coerce.number().int().min(1).optional(),
};

type FewShotFlags = { [K in keyof typeof fewShotFlags]?: z.output<(typeof fewShotFlags)[K]> };

export const FEWSHOT_HELP = `  --task fewshot-seg        segmentation spaces: few-shot segmentation on scenes-objects. A candidate trains on
      15 base classes; it is scored by novel-class mIoU on fixed seeded 1-way episodes of the other 5:
      fewshot_miou_1shot (what runs rank by), fewshot_miou_5shot (objectives like the others)
      --fewshot-head prototype|attention   masked-average prototypes (default) or query-to-support attention
      --episodes N (default ${fewShotSpec.shape.episodes.def.defaultValue}) episodes a shot count`;

/** The run's task: the space's, or the derived one --task names, which must derive from it. */
export function runTaskOf(f: FewShotFlags, spaceTask: Task): RunTask {
  if (f.task === undefined) {
    const given = (['fewshot-head', 'episodes'] as const).find((k) => f[k] !== undefined);
    if (given) throw new UsageError(`--${given}: only with --task fewshot-seg`);
    return spaceTask;
  }
  if (DERIVED_TASKS[f.task] !== spaceTask) throw new UsageError(`--task ${f.task}: needs a ${DERIVED_TASKS[f.task]} space; this one's task is ${spaceTask}`);
  return f.task;
}

/** The few-shot evaluator's spec for a proxy-trained few-shot run. */
export function fewShotOf(f: FewShotFlags): FewShotSpec {
  return fewShotSpec.parse({ kind: 'fewshot', ...(f['fewshot-head'] ? { head: f['fewshot-head'] } : {}), ...(f.episodes ? { episodes: f.episodes } : {}) });
}
