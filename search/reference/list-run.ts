/**
 * Runs that evaluate a fixed list of architectures (reference tables, fidelity checks) are
 * ordinary stored runs with the 'list' strategy: `cellscape resume` continues them after a
 * Ctrl-C or kill -9. Started again with the same name and measurement, a command picks up its
 * unfinished run instead of starting another.
 */
import type { Run, Store } from '../store/store.ts';
import type { LoadedSpace } from '../space/load.ts';
import type { SpaceDef } from '../space/schema.ts';
import { canonicalJson } from '../space/load.ts';
import { runConfigSchema, type RunConfig } from '../run/config.ts';
import { packageVersions } from '../run/record.ts';
import { UsageError } from '../util/errors.ts';

export interface ListRunSpec {
  /** Names the run; an unfinished run of this name measured the same way is continued. */
  name: string;
  def: SpaceDef;
  space: LoadedSpace;
  dataset: string;
  backend: string;
  /** A run config whose strategy is 'list'; its genotypes are those still to evaluate. */
  config: RunConfig;
  seed: number;
  commandLine: string;
}

const sameMeasurement = (run: Run, spec: ListRunSpec): boolean => {
  const c = runConfigSchema.safeParse(run.config);
  return c.success && c.data.strategy === 'list' && run.spaceHash === spec.space.hash && run.seed === spec.seed &&
    run.dataset === spec.dataset && canonicalJson(c.data.proxy) === canonicalJson(spec.config.proxy) &&
    canonicalJson(c.data.evaluator) === canonicalJson(spec.config.evaluator);
};

/** The runs of this name that measured like `spec`, oldest first. */
export function measuredRuns(store: Store, spec: ListRunSpec): Run[] {
  return store.listRuns().filter((r) => r.name === spec.name && sameMeasurement(r, spec)).sort((a, b) => a.id - b.id);
}

/**
 * The unfinished run of this name measured like `spec`, or a new one; refuses one that another
 * process is running, unless `force` (that process was killed, and its heartbeat is still recent).
 */
export function openListRun(store: Store, spec: ListRunSpec, o: { force?: boolean } = {}): { run: Run; resumed: boolean } {
  const open = measuredRuns(store, spec).find((r) => r.status !== 'finished');
  if (open) {
    const last = Math.max(0, ...store.listCandidates(open.id, { status: 'running' }).map((c) => c.heartbeatAt ?? 0));
    const config = runConfigSchema.parse(open.config);
    if (open.status === 'running' && !o.force && Date.now() - last < config.staleAfterMs) {
      const age = Date.now() - last;
      throw new UsageError(`run ${open.id} (${spec.name}) looks alive in another process (a heartbeat ${Math.round(age / 1000)}s ago); if that process is gone, wait ${Math.ceil((config.staleAfterMs - age) / 1000)}s or pass --force to cellscape resume`);
    }
    store.transaction(() => {
      store.updateRunStatus(open.id, 'running');
      store.addEvent(open.id, { level: 'info', kind: 'resumed', message: `continued by: ${spec.commandLine}` });
    });
    return { run: store.getRun(open.id)!, resumed: true };
  }
  const run = store.createRun({
    name: spec.name, strategy: 'list', spaceName: spec.def.name, spaceDefinition: spec.def, spaceHash: spec.space.hash, task: spec.def.task,
    dataset: spec.dataset, config: spec.config, seed: spec.seed, backend: spec.backend, versions: packageVersions(), commandLine: spec.commandLine,
  });
  store.addEvent(run.id, { level: 'info', kind: 'started', message: `evaluating ${spec.config.genotypes?.length ?? 0} listed architectures` });
  return { run, resumed: false };
}
