/**
 * The TF.js export: `model.json` (TF.js model-artifacts layout: format, modelTopology,
 * weightsManifest) plus binary weight shards in TF.js's weights format, written and read through
 * a tf.io IOHandler on a directory. The topology is the genotype export and the input spec;
 * `loadExportedModel` rebuilds the network from the genotype and space definition and loads
 * every weight and running statistic by its module path.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../util/errors.ts';
import { readJsonInput } from '../util/json-input.ts';
import { formatIssues } from '../space/issues.ts';
import { buildNetwork } from '../space/build.ts';
import type { LoadedSpace } from '../space/load.ts';
import type { Genotype } from '../space/types.ts';
import type { Network } from '../nn/network.ts';
import { loadWeights, type WeightMap } from '../nn/weights.ts';
import { checkGenotypeExport } from './genotype-json.ts';
import { EXPORT_SCHEMA_VERSION, MODEL_FORMAT, modelJsonSchema, type GenotypeExport, type InputSpec, type ModelJson } from './schema.ts';

export const MODEL_JSON = 'model.json';
/** TF.js's own shard size (tfjs-converter): keeps each file small enough for browser caches. */
const SHARD_BYTES = 4 * 1024 * 1024;

/** A tf.io handler that saves model artifacts as model.json + shards in `dir` and loads them back. */
export function directoryIO(dir: string): Required<Pick<tf.io.IOHandler, 'save' | 'load'>> {
  return {
    async save(a: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      mkdirSync(dir, { recursive: true });
      const data = a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
      const shards = Math.max(1, Math.ceil(data.byteLength / SHARD_BYTES));
      const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
      paths.forEach((p, i) => writeFileSync(join(dir, p), new Uint8Array(data, i * SHARD_BYTES, Math.min(SHARD_BYTES, data.byteLength - i * SHARD_BYTES))));
      const json = {
        format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
        modelTopology: a.modelTopology, weightsManifest: [{ paths, weights: a.weightSpecs ?? [] }],
      };
      writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json, null, 2) + '\n');
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const path = join(dir, MODEL_JSON);
      const parsed = modelJsonSchema.safeParse(readJsonInput(path, 'a TF.js model'));
      if (!parsed.success) throw new UsageError(formatIssues(path, parsed.error.issues));
      const m = parsed.data;
      const buffers = m.weightsManifest.flatMap((g) => g.paths.map((p) => {
        try {
          const b = readFileSync(join(dir, p));
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
        } catch (err) {
          throw new UsageError(`${path}: weight file ${p}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        }
      }));
      return {
        format: m.format, generatedBy: m.generatedBy, convertedBy: m.convertedBy ?? undefined, modelTopology: m.modelTopology,
        weightSpecs: m.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
        weightData: tf.io.CompositeArrayBuffer.join(buffers),
      };
    },
  };
}

function generatedBy(doc: GenotypeExport): string {
  return `cellscape ${doc.provenance.versions.cellscape ?? '?'} (tfjs ${doc.provenance.versions['@tensorflow/tfjs'] ?? '?'})`;
}

/** The network model.json describes, with fresh weights: what loading rebuilds. */
function rebuild(space: LoadedSpace, genotype: Genotype, doc: GenotypeExport): Network {
  const { task, classes, inShape } = doc.network;
  return buildNetwork(space, genotype, { task, classes, inShape: [...inShape] });
}

/**
 * Writes model.json and the weight shards of `net` (all variables and running statistics, by
 * module path). Refuses a network that its genotype export would not rebuild exactly (e.g. a head
 * the space does not build), since such a model could not be loaded.
 */
export async function saveTfjsModel(dir: string, net: Network, doc: GenotypeExport, normalize: InputSpec['normalize']): Promise<void> {
  const { space, genotype } = checkGenotypeExport(doc, 'genotype export');
  const twin = rebuild(space, genotype, doc);
  try {
    const layout = (n: Network) => [...n.variables(), ...n.buffers()].map((v) => `${v.name}:${v.variable.shape}`).join(';');
    if (layout(twin) !== layout(net)) throw new Error('tfjs export: the network does not match what its genotype and space build (different modules or shapes)');
  } finally {
    twin.dispose();
  }
  const named = [...net.variables(), ...net.buffers()].map(({ name, variable }) => ({ name, tensor: variable as tf.Tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const topology: ModelJson['modelTopology'] = {
    schemaVersion: EXPORT_SCHEMA_VERSION,
    genotype: doc,
    input: { layout: 'NHWC', shape: doc.network.inShape, normalize },
    output: {
      shape: net.outputShape(),
      meaning: doc.fewshot ? `per-pixel embedding [N, h, w, ${doc.network.classes}] (few-shot: genotype.fewshot.answer)`
        : doc.network.task === 'classification' ? 'class logits [N, classes]' : 'per-pixel class logits [N, h, w, classes]',
    },
  };
  await directoryIO(dir).save({ format: MODEL_FORMAT, generatedBy: generatedBy(doc), modelTopology: topology, weightSpecs: specs, weightData: data });
}

export interface ExportedModel {
  network: Network;
  space: LoadedSpace;
  genotype: Genotype;
  topology: ModelJson['modelTopology'];
}

/** Rebuilds the network of a TF.js export directory and loads its weights (strictly: every one, no extra). */
export async function loadExportedModel(dir: string): Promise<ExportedModel> {
  const artifacts = await directoryIO(dir).load();
  const topology = artifacts.modelTopology as ModelJson['modelTopology'];
  const { space, genotype } = checkGenotypeExport(topology.genotype, `${join(dir, MODEL_JSON)}: $.modelTopology.genotype`);
  const tensors = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  const weights: WeightMap = new Map();
  for (const [name, t] of Object.entries(tensors)) {
    weights.set(name, { data: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] });
    t.dispose();
  }
  const network = rebuild(space, genotype, topology.genotype);
  try {
    loadWeights(network, weights);
  } catch (err) {
    network.dispose();
    throw new UsageError(`${join(dir, MODEL_JSON)}: ${(err as Error).message}`);
  }
  return { network, space, genotype, topology };
}
