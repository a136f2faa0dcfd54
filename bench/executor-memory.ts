/**
 * `node --import tsx bench/executor-memory.ts [--jobs 100]`: runs proxy jobs one after another
 * through the same code a pool worker runs, printing every tenth job the tensor count before
 * and after the job, tf's byte count and the process's heap and RSS, to show memory does not
 * grow with the number of jobs.
 */
import { parseArgs } from 'node:util';
import { runTask } from '../search/executor/run-task.ts';
import { proxyTasks } from './executor-jobs.ts';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '100' }, 'train-images': { type: 'string', default: '64' } } });
const n = Number(values.jobs);
const tf = await import('@tensorflow/tfjs');
const mb = (b: number) => +(b / 2 ** 20).toFixed(1);
let leaks = 0;
for (const [i, task] of proxyTasks(n, { trainImages: Number(values['train-images']) }).entries()) {
  const { tensors } = await runTask(task);
  if (tensors && tensors.after !== tensors.before) leaks++;
  if (i === 0 || (i + 1) % 10 === 0) {
    const m = process.memoryUsage();
    console.log(JSON.stringify({
      job: i + 1, tensorsBefore: tensors?.before, tensorsAfter: tensors?.after, tfMb: mb(tf.memory().numBytes),
      heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external), rssMb: mb(m.rss),
    }));
  }
}
console.log(JSON.stringify({ jobs: n, jobsThatLeakedTensors: leaks }));
