/** A pool worker thread's task handler (loaded through worker-entry.mjs). */
import { serveTasks } from './serve.ts';
import { runTask } from './run-task.ts';

export default serveTasks(runTask);
