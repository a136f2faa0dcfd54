/**
 * The genotype export: a genotype with its space definition, the network it builds, metrics and
 * provenance. `readGenotypeArg` (search/space/genotype-input.ts) reads it as a genotype file, so
 * `cellscape inspect` and `--seed-genotypes` take it as it is.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UsageError } from '../util/errors.ts';
import { readJsonInput } from '../util/json-input.ts';
import { formatIssues } from '../space/issues.ts';
import { parseSpaceDef, spaceFromDef, type LoadedSpace } from '../space/load.ts';
import type { Genotype } from '../space/types.ts';
import type { Network } from '../nn/network.ts';
import type { Candidate, Run } from '../store/store.ts';
import { EXPORT_SCHEMA_VERSION, GENOTYPE_FORMAT, genotypeExportSchema, type GenotypeExport } from './schema.ts';

const require = createRequire(import.meta.url);

/** Versions of the packages an exported file depends on. */
export function exportVersions(): Record<string, string> {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const versions: Record<string, string> = { node: process.versions.node, cellscape: own.version };
  for (const name of ['@tensorflow/tfjs', 'onnxruntime-node', 'onnx-proto']) {
    try {
      versions[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      versions[name] = 'absent';
    }
  }
  return versions;
}

export interface GenotypeExportInput {
  space: LoadedSpace;
  genotype: Genotype;
  /** The network built from the genotype (its input, classes, params and MACs are recorded). */
  network: Network;
  run?: Run;
  candidate?: Candidate;
  final?: GenotypeExport['metrics']['final'];
  /** A few-shot candidate's embedding and how to answer episodes with it (export/fewshot.ts). */
  fewshot?: GenotypeExport['fewshot'];
  /** ISO time; default now. */
  exportedAt?: string;
}

export function buildGenotypeExport(o: GenotypeExportInput): GenotypeExport {
  const c = o.candidate;
  const { task, classes, inShape } = o.network.config;
  return {
    format: GENOTYPE_FORMAT,
    schemaVersion: EXPORT_SCHEMA_VERSION,
    genotype: o.genotype,
    key: o.space.key(o.genotype as never),
    description: o.space.describe(o.genotype as never),
    space: { name: o.space.name, family: o.space.family, hash: o.space.hash, definition: o.space.def },
    network: { task, classes, inShape: [inShape[0], inShape[1], inShape[2]], params: o.network.paramCount(), macs: o.network.flops() },
    metrics: {
      search: c ? { ...c.metrics, ...(c.score === null ? {} : { score: c.score }) } : null,
      final: o.final ?? null,
    },
    ...(o.fewshot ? { fewshot: o.fewshot } : {}),
    provenance: {
      run: o.run ? {
        id: o.run.id, name: o.run.name, strategy: o.run.strategy, dataset: o.run.dataset, seed: o.run.seed,
        backend: o.run.backend, versions: o.run.versions, commandLine: o.run.commandLine,
      } : null,
      candidateId: c?.id ?? null,
      exportedAt: o.exportedAt ?? new Date().toISOString(),
      versions: exportVersions(),
    },
  };
}

export function writeGenotypeExport(path: string, e: GenotypeExport): void {
  writeFileSync(path, JSON.stringify(e, null, 2) + '\n');
}

/** Version 1's search metrics, by their field names then, and the registry names they became. */
const V1_METRICS: Record<string, string> = {
  accuracy: 'accuracy', latencyMs: 'latency_ms', latencyIqrMs: 'latency_iqr_ms', params: 'params', flops: 'flops', trainSeconds: 'train_seconds',
};

/**
 * A version-1 export (written before the metric registry) in version 2's shape, so files users
 * already exported still load: metrics take their registry names, unmeasured (null) ones are
 * left out, and a segmentation export's `accuracy`, which held mIoU, becomes `miou`. Anything
 * else passes through unchanged for the schema to judge.
 */
export function upgradeGenotypeExport(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const doc = json as Record<string, unknown>;
  if (doc.format !== GENOTYPE_FORMAT || doc.schemaVersion !== 1) return json;
  const metrics = doc.metrics as { search?: Record<string, unknown> | null } | undefined;
  const search = metrics?.search;
  if (typeof search !== 'object' || search === null) return { ...doc, schemaVersion: EXPORT_SCHEMA_VERSION };
  const segmentation = (doc.network as { task?: unknown } | undefined)?.task === 'segmentation';
  const renamed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(search)) {
    if (value === null) continue;
    const name = field === 'accuracy' && segmentation ? 'miou' : V1_METRICS[field] ?? field;
    renamed[name] = value;
  }
  return { ...doc, schemaVersion: EXPORT_SCHEMA_VERSION, metrics: { ...metrics, search: renamed } };
}

/**
 * Checks a parsed genotype export: its fields, its embedded space definition (whose hash must be
 * the recorded one) and the genotype against that space. Errors name `source` and the field.
 */
export function checkGenotypeExport(json: unknown, source: string): { doc: GenotypeExport; space: LoadedSpace; genotype: Genotype } {
  const parsed = genotypeExportSchema.safeParse(upgradeGenotypeExport(json));
  if (!parsed.success) throw new UsageError(formatIssues(source, parsed.error.issues));
  const doc = parsed.data;
  const space = spaceFromDef(parseSpaceDef(doc.space.definition, `${source}: $.space.definition`));
  if (space.hash !== doc.space.hash) {
    throw new UsageError(`${source}: $.space.hash: ${doc.space.hash.slice(0, 12)} does not match the embedded definition's ${space.hash.slice(0, 12)}`);
  }
  return { doc, space, genotype: space.validate(doc.genotype, `${source}: $.genotype`) };
}

export function readGenotypeExport(path: string): { doc: GenotypeExport; space: LoadedSpace; genotype: Genotype } {
  return checkGenotypeExport(readJsonInput(path, 'a genotype export'), path);
}
