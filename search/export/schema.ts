/**
 * The formats of exported files, as zod schemas: the genotype export (genotype.json, also
 * embedded in model.json and in the ONNX model's metadata) and the TF.js model.json. Each
 * carries a format name and a schema version, so that a reader can tell what it holds.
 */
import { z } from 'zod';
import { metricRegistry, type MetricName } from '../contracts/metrics.ts';

export const GENOTYPE_FORMAT = 'cellscape-genotype';
export const MODEL_FORMAT = 'cellscape-network';
/** 2: the search's metrics under the metric registry's names (1 had accuracy, latencyMs, ... fields). */
export const EXPORT_SCHEMA_VERSION = 2;

const num = z.number().nullable();

export const searchMetricsSchema = z.strictObject({
  ...Object.fromEntries(metricRegistry.map((m) => [m.name, z.number().optional().meta({ description: `${m.description}${m.unit ? ` (${m.unit})` : ''}` })])) as
    Record<MetricName, z.ZodOptional<z.ZodNumber>>,
  score: num.optional().meta({ description: "the strategy's scalar fitness, when it ranked by one" }),
}).meta({ description: 'What the search measured for this candidate (proxy budget), by metric name; unmeasured metrics are absent.' });

export const finalTrainingSchema = z.strictObject({
  dataset: z.string(),
  epochs: z.int().min(0),
  batchSize: z.int().min(1),
  learningRate: z.number(),
  optimizer: z.string(),
  augment: z.unknown(),
  seed: z.int(),
  trainImages: z.int().min(0),
  testImages: z.int().min(0),
  testAccuracy: num,
  testLoss: num,
  trainSeconds: z.number(),
  backend: z.string(),
}).meta({ description: 'The final training of the exported weights, when there was one.' });

export const fewShotExportSchema = z.strictObject({
  head: z.string(),
  dim: z.int().min(1),
  scale: z.number(),
  pool: z.int().min(1),
  baseClasses: z.array(z.string()),
  novelClasses: z.array(z.string()),
  answer: z.string(),
  test: z.strictObject({ miou1shot: num, miou5shot: num, episodes: z.int().min(0), scenes: z.int().min(0) }).nullable()
    .meta({ description: 'Novel-class mIoU of the exported weights on seeded episodes of test scenes, when they were trained for export.' }),
}).meta({ description: 'A few-shot segmentation candidate (--task fewshot-seg): the network is its embedding (network.classes is the embedding width); how an episode is answered with it.' });
export type FewShotExport = z.infer<typeof fewShotExportSchema>;

export const genotypeExportSchema = z.strictObject({
  format: z.literal(GENOTYPE_FORMAT),
  schemaVersion: z.literal(EXPORT_SCHEMA_VERSION),
  genotype: z.unknown().meta({ description: 'The genotype in its space\'s notation (checked against the space when read).' }),
  key: z.string().meta({ description: 'Canonical key: equal keys build the same network.' }),
  description: z.string(),
  space: z.strictObject({
    name: z.string(),
    family: z.enum(['cell', 'tabular-cell', 'block']),
    hash: z.string(),
    definition: z.unknown().meta({ description: 'The space definition (space-defs format), so the file builds its network anywhere.' }),
  }),
  network: z.strictObject({
    task: z.enum(['classification', 'segmentation']),
    classes: z.int().min(2),
    inShape: z.tuple([z.int().min(1), z.int().min(1), z.int().min(1)]),
    params: z.int().min(0),
    macs: z.int().min(0),
  }).meta({ description: 'The network the genotype builds at this input (NHWC [h, w, c]).' }),
  metrics: z.strictObject({
    search: searchMetricsSchema.nullable(),
    final: finalTrainingSchema.nullable(),
  }),
  fewshot: fewShotExportSchema.optional(),
  provenance: z.strictObject({
    run: z.strictObject({
      id: z.int(), name: z.string(), strategy: z.string(), dataset: z.string(), seed: z.int(),
      backend: z.string(), versions: z.record(z.string(), z.string()), commandLine: z.string(),
    }).nullable(),
    candidateId: z.int().nullable(),
    exportedAt: z.string(),
    versions: z.record(z.string(), z.string()).meta({ description: 'Package versions of the exporting program.' }),
  }),
});
export type GenotypeExport = z.infer<typeof genotypeExportSchema>;

/** Input the exported network expects: NHWC floats, normalised as (pixel / 255 - mean) / std when `normalize` is given. */
export const inputSpecSchema = z.strictObject({
  layout: z.literal('NHWC'),
  shape: z.tuple([z.int().min(1), z.int().min(1), z.int().min(1)]),
  normalize: z.strictObject({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
});

export const weightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.int().min(0)),
  dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
}).loose();

/** model.json: TF.js's model-artifacts layout (format, modelTopology, weightsManifest) with our topology inside. */
export const modelJsonSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  generatedBy: z.string(),
  convertedBy: z.string().nullable().optional(),
  modelTopology: z.strictObject({
    schemaVersion: z.literal(EXPORT_SCHEMA_VERSION),
    genotype: genotypeExportSchema,
    input: inputSpecSchema,
    output: z.strictObject({ shape: z.array(z.int().min(1)), meaning: z.string() }),
  }),
  weightsManifest: z.array(z.strictObject({ paths: z.array(z.string()).min(1), weights: z.array(weightSpecSchema) })).min(1),
});
export type ModelJson = z.infer<typeof modelJsonSchema>;
export type InputSpec = z.infer<typeof inputSpecSchema>;
