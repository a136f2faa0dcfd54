/** Entry module of a pool worker thread (loaded by piscina under the parent's `--import tsx`). */
import { serveTasks } from './serve.ts';
import { runTask } from './run-task.ts';

export default serveTasks(runTask);
