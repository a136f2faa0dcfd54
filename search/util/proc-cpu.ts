/** CPU time of a process as Linux's /proc reports it, for benchmarks that give searches equal work on a shared machine. */

/**
 * CPU seconds (user + system, all threads) of a process from its /proc/PID/stat line. The command
 * name (field 2) is in parentheses and may hold spaces or parentheses itself, so the fields are
 * counted from the last ')': utime and stime are fields 14 and 15, in clock ticks.
 */
export function cpuSecondsOfStat(stat: string, ticksPerSecond: number): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc stat line: ${stat.slice(0, 80)}`);
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  const utime = Number(fields[11]), stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`no utime/stime in /proc stat line: ${stat.slice(0, 80)}`);
  return (utime + stime) / ticksPerSecond;
}
