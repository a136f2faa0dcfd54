/**
 * `node --import tsx bench/executor-throughput.ts [--jobs N] [--train-images N]`: candidates per
 * hour of real proxy training with 1 and with 2 pool workers, on the same jobs, after each
 * worker's warm-up job (backend start, data load). Prints JSON lines and the speed-up. On a
 * shared machine the figures move with everyone else's load: read them as rough.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createPoolExecutor } from '../search/executor/pool.ts';
import type { Executor } from '../search/executor/types.ts';
import type { EvalTask } from '../search/contracts/eval-task.ts';
import { proxyTasks } from './executor-jobs.ts';

function machineTimes(): { idle: number; total: number } {
  let idle = 0, total = 0;
  for (const c of os.cpus()) {
    idle += c.times.idle;
    total += c.times.idle + c.times.user + c.times.sys + c.times.nice + c.times.irq;
  }
  return { idle, total };
}

/** Runs the tasks keeping every slot busy; returns wall seconds and the failures. */
async function drain(ex: Executor, tasks: EvalTask[]): Promise<{ seconds: number; failed: string[] }> {
  const queue = [...tasks];
  const failed: string[] = [];
  const t0 = performance.now();
  const lane = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const o = await ex.start(t).done;
      if (!o.ok) failed.push(`${o.kind}: ${o.error}`);
    }
  };
  await Promise.all(Array.from({ length: ex.slots }, lane));
  return { seconds: (performance.now() - t0) / 1000, failed };
}

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '8' }, 'train-images': { type: 'string', default: '256' } } });
const jobs = Number(values.jobs);
const trainImages = Number(values['train-images']);
const rates: Record<number, number> = {};
for (const workers of [1, 2]) {
  const ex = createPoolExecutor({ workers });
  try {
    await drain(ex, proxyTasks(workers, { seed: 99, trainImages }));
    const [cpu0, machine0] = [process.cpuUsage(), machineTimes()];
    const { seconds, failed } = await drain(ex, proxyTasks(jobs, { seed: 1, trainImages }));
    const cpu = process.cpuUsage(cpu0);
    const machine = machineTimes();
    rates[workers] = (jobs / seconds) * 3600;
    console.log(JSON.stringify({
      workers, jobs, trainImages, loadAverage1m: +os.loadavg()[0].toFixed(2),
      // Cores this process kept busy, and how idle the machine was: with no idle left, other
      // people's work decides the figure, not the pool.
      coresUsed: +((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2),
      machineIdle: +((machine.idle - machine0.idle) / (machine.total - machine0.total)).toFixed(2), seconds: +seconds.toFixed(1), candidatesPerHour: Math.round(rates[workers]), failed }));
  } finally {
    await ex.close();
  }
}
console.log(JSON.stringify({ speedup2v1: +(rates[2] / rates[1]).toFixed(2), target: 1.8, note: 'shared 2-core machine: noisy' }));
