/**
 * Files a candidate offers for download: those `cellscape export` registered in the candidate's
 * `extra.exports` (genotype JSON, ONNX model, TF.js model.json and the shards its manifest names).
 * A request names a file; it is served only if it is one of these, by exact name: no path from a
 * request ever reaches the file system, so `..` and friends cannot go anywhere.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { DownloadFile } from './api-types.ts';

/** What the export command writes into a candidate's extra JSON (absolute paths). */
export const exportsSchema = z.object({
  json: z.string().optional(),
  tfjs: z.string().optional(),
  onnx: z.string().optional(),
}).partial();

const plainName = /^[\w.-]+$/;
const manifestSchema = z.object({ weightsManifest: z.array(z.object({ paths: z.array(z.string()) })) });

interface Registered extends DownloadFile { path: string }

/** The registered files of a candidate that exist now; unreadable or malformed registrations are left out. */
export function registeredFiles(candidateId: number, extra: Record<string, unknown> | null): Registered[] {
  const parsed = exportsSchema.safeParse(extra?.exports);
  if (!parsed.success) return [];
  const e = parsed.data;
  const out: Registered[] = [];
  const add = (kind: DownloadFile['kind'], path: string) => {
    const name = basename(path);
    if (!plainName.test(name) || out.some((f) => f.name === name)) return;
    try {
      const st = statSync(path);
      if (!st.isFile()) return;
      out.push({ kind, name, bytes: st.size, url: `/api/candidates/${candidateId}/files/${encodeURIComponent(name)}`, path });
    } catch { /* moved or deleted since the export: not offered */ }
  };
  if (e.json) add('genotype', e.json);
  if (e.onnx) add('onnx', e.onnx);
  if (e.tfjs) {
    const modelJson = join(e.tfjs, 'model.json');
    add('tfjs', modelJson);
    try {
      const manifest = manifestSchema.parse(JSON.parse(readFileSync(modelJson, 'utf8')));
      // Shards are siblings of model.json; a manifest path with a directory part is not served.
      for (const p of manifest.weightsManifest.flatMap((g) => g.paths)) if (plainName.test(p)) add('tfjs', join(dirname(modelJson), p));
    } catch { /* no readable model.json: no shards */ }
  }
  return out;
}

export function publicFiles(files: Registered[]): DownloadFile[] {
  return files.map(({ path: _, ...f }) => f);
}

/** Streams the registered file with this exact name, or returns false (the caller answers 404). */
export function serveRegistered(files: Registered[], name: string, req: IncomingMessage, res: ServerResponse): boolean {
  const file = files.find((f) => f.name === name);
  if (!file) return false;
  const type = name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  res.writeHead(200, {
    'content-type': type,
    'content-length': file.bytes,
    'content-disposition': `attachment; filename="${file.name}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') { res.end(); return true; }
  createReadStream(file.path).on('error', () => res.destroy()).pipe(res);
  return true;
}
