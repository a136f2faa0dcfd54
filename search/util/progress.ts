/**
 * A progress bar for long work, written to stderr so stdout stays parseable. On a TTY it
 * redraws one line in place; otherwise (CI, a log file, a pipe) it prints a plain line at
 * most every `intervalMs`, plus the last one, so logs stay short but show that work moves.
 */

export interface ProgressOptions {
  /** What is being counted, shown before the bar (e.g. "lut", "evaluate"). */
  label: string;
  total: number;
  /** Where to write; process.stderr by default. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Minimum time between plain (non-TTY) lines. */
  intervalMs?: number;
  /** Clock in ms, injectable for tests. */
  now?: () => number;
}

export interface Progress {
  /** Sets the count done (absolute) and optionally the extra text after the bar. */
  update(done: number, extra?: string): void;
  /** Adds to the count done. */
  tick(n?: number, extra?: string): void;
  /** Changes the total (e.g. when a run learns how much work is left). */
  setTotal(total: number): void;
  /** Draws the final state and ends the line. */
  finish(extra?: string): void;
}

/** Seconds as "42s", "3m07s" or "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The text of one progress line (without bar when width is 0). Pure, for tests and both modes. */
export function progressLine(p: { label: string; done: number; total: number; elapsedS: number; extra?: string; barWidth: number }): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  // ETA from the mean rate so far; unknown until something is done.
  const eta = p.done > 0 && p.done < p.total ? formatDuration((p.elapsedS / p.done) * (p.total - p.done)) : p.done >= p.total ? '0s' : '?';
  const bar = p.barWidth > 0 ? `[${'#'.repeat(Math.round(frac * p.barWidth)).padEnd(p.barWidth, '.')}] ` : '';
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const extra = p.extra ? `  ${p.extra}` : '';
  return `${p.label} ${bar}${p.done}/${p.total} ${pct} elapsed ${formatDuration(p.elapsedS)} eta ${eta}${extra}`;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 5000;
  const tty = Boolean(stream.isTTY);
  const start = now();
  let total = opts.total;
  let done = 0;
  let extra: string | undefined;
  let lastPlain = -Infinity;
  let finished = false;

  const render = (final: boolean): void => {
    const elapsedS = (now() - start) / 1000;
    if (tty) {
      const cols = stream.columns ?? 80;
      let line = progressLine({ label: opts.label, done, total, elapsedS, extra, barWidth: 24 });
      if (line.length > cols - 1) line = line.slice(0, cols - 1);
      stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
      return;
    }
    const t = now();
    if (!final && t - lastPlain < interval) return;
    lastPlain = t;
    stream.write(progressLine({ label: opts.label, done, total, elapsedS, extra, barWidth: 0 }) + '\n');
  };

  return {
    update(d, e) {
      if (finished) return;
      done = d;
      if (e !== undefined) extra = e;
      render(false);
    },
    tick(n = 1, e) {
      this.update(done + n, e);
    },
    setTotal(t) {
      total = t;
    },
    finish(e) {
      if (finished) return;
      if (e !== undefined) extra = e;
      render(true);
      finished = true;
    },
  };
}
