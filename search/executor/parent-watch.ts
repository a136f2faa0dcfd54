/**
 * Ends this process as soon as the process that started it is gone. A BullMQ sandbox child
 * would otherwise train on for minutes with nobody to report to: its 'disconnect' and SIGTERM
 * handlers run on the main thread, which a training step keeps busy. A small thread that polls
 * the parent's pid sees the change (the orphan is adopted by init or a subreaper) whatever the
 * main thread is doing, and kills the process.
 */
import { Worker } from 'node:worker_threads';

/** Set by a parent for its children: its pid, so that a child orphaned while still loading knows. */
export const PARENT_PID_ENV = 'CELLSCAPE_PARENT_PID';

export function exitWithParent(parent: number, pollMs = 500): void {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  const watcher = new Worker(
    `const { workerData: w } = require('node:worker_threads');
     setInterval(() => { if (process.ppid !== w.parent) process.kill(process.pid, 'SIGKILL'); }, w.pollMs);`,
    // No loader: the watcher is plain CommonJS and should start in milliseconds.
    { eval: true, workerData: { parent, pollMs }, execArgv: [] },
  );
  watcher.unref();
}
