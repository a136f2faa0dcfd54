/** `cellscape runs`: the runs of a database, newest first. */
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { parseFlags } from '../run/flags.ts';
import { table } from '../run/report.ts';
import { openDb } from './resume.ts';
import { writeProblem } from '../store/integrity.ts';

const flagsSchema = z.strictObject({ db: z.string().default('runs.db'), json: z.boolean().optional(), help: z.boolean().optional() });

export const command: Command = {
  async run(argv) {
    const { flags } = parseFlags(argv, flagsSchema, { booleans: ['json', 'help'] });
    if (flags.help) { console.log('Usage: cellscape runs [--db FILE] [--json]'); return 0; }
    // Read-write to migrate an older file; a file this user cannot write is listed as it is.
    const store = openDb(flags.db, { readonly: writeProblem(flags.db) !== undefined });
    try {
      const runs = store.listRuns();
      if (flags.json) {
        console.log(JSON.stringify(runs.map((r) => ({
          id: r.id, name: r.name, strategy: r.strategy, space: r.spaceName, status: r.status, counts: r.counts,
          quality: r.quality, bestQuality: r.bestQuality, frontSize: r.frontSize, createdAt: r.createdAt,
        })), null, 2));
        return 0;
      }
      if (runs.length === 0) { console.log(`no runs in ${flags.db}`); return 0; }
      console.log(table(['id', 'status', 'strategy', 'space', 'done', 'failed', 'best', 'front', 'started', 'name'], runs.map((r) => [
        String(r.id), r.status, r.strategy, r.spaceName, `${r.counts.done}/${r.counts.total}`, String(r.counts.failed),
        r.bestQuality === null ? '-' : `${r.bestQuality.toFixed(4)} ${r.quality}`, String(r.frontSize),
        new Date(r.startedAt ?? r.createdAt).toISOString().slice(0, 16).replace('T', ' '), r.name,
      ])));
      return 0;
    } finally {
      store.close();
    }
  },
};
