/** What a network is built for: one label per image, or one per pixel. */
export type Task = 'classification' | 'segmentation';
/**
 * What a run measures: its space's task, or a task derived from segmentation that builds the
 * same networks and scores them otherwise (few-shot segmentation: `--task fewshot-seg`).
 */
export type RunTask = Task | 'fewshot-seg';

/** The derived tasks, each with the task of the spaces it searches. */
export const DERIVED_TASKS: Readonly<Record<Exclude<RunTask, Task>, Task>> = { 'fewshot-seg': 'segmentation' };

/** The task of the networks a run of `task` builds (its spaces' task). */
export function spaceTaskOf(task: string): Task {
  return (DERIVED_TASKS as Record<string, Task>)[task] ?? task as Task;
}
