/**
 * Reopening a supernet run (DARTS, SPOS) that trains by epochs: its space must hash as when it
 * started, a finished run is not reopened, and it resumes at the epoch its state reached.
 */
import type { Run } from '../../store/store.ts';
import { UsageError } from '../../util/errors.ts';

export function reopenAtEpoch<S extends { hash: string }>(
  kind: string, run: Run, config: { space: string; epochs: number }, state: { phase?: string; epoch?: number } | null | undefined, space: S,
) {
  if (space.hash !== run.spaceHash) throw new UsageError(`run ${run.id}: the space ${config.space} changed since the run started (hash ${space.hash.slice(0, 12)} vs ${run.spaceHash.slice(0, 12)})`);
  if (state?.phase === 'done') throw new UsageError(`run ${run.id} is already finished`);
  const epoch = state?.epoch ?? 0;
  return {
    space, workers: 1,
    event: { level: 'info' as const, kind: 'resume', message: `resumed at epoch ${epoch}`, data: { epoch } },
    line: `resuming ${kind} run ${run.id} (${run.status}) at epoch ${epoch} of ${config.epochs}`,
  };
}
