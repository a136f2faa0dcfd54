/**
 * A bench's search, kept by name in a database of its own: finished, it is left alone; stopped or
 * killed, it resumes; absent, it starts with the given `cellscape search` flags. So a bench that
 * compares searches can be rerun until all of them are done.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { openStore } from '../search/store/store.ts';

function cellscape(argv: string[]): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'search/cli.ts', ...argv], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`cellscape ${argv.join(' ')} exited with ${r.status}`);
}

export function finishSearch(db: string, name: string, searchFlags: readonly string[]): void {
  let existing;
  if (existsSync(db)) {
    const store = openStore(db, { readonly: true });
    try { existing = store.listRuns().find((r) => r.name === name); } finally { store.close(); }
  }
  if (existing?.status === 'finished') return;
  if (existing) cellscape(['resume', String(existing.id), '--db', db]);
  else cellscape(['search', ...searchFlags, '--name', name, '--db', db]);
}
