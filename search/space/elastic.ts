/**
 * A block space's Once-for-All supernet (nn/elastic-block.ts) and its subnets: `selectSubnet`
 * points the supernet at a genotype, `extractSubnet` builds the genotype's standalone network
 * (as every evaluator and export builds it) holding the supernet's sliced weights, so a subnet is
 * judged, measured and exported as any network is.
 */
import * as tf from '@tensorflow/tfjs';
import { buildElasticBlockNetwork, type ElasticBlockNetwork, type ElasticBlockSpec } from '../nn/elastic-block.ts';
import type { Network } from '../nn/network.ts';
import { createRng } from '../util/rng.ts';
import { UsageError } from '../util/errors.ts';
import { canonicalBlock, toNnBlocks, type BlockSpace } from './block.ts';
import type { BuildOptions } from './build-options.ts';
import { buildNetwork } from './build.ts';
import type { BlockGenotype } from './types.ts';

const ELASTIC_OPS = new Set(['conv', 'mbconv', 'attention']);

/** The largest choice of every stage, or a usage error naming what an elastic supernet cannot hold. */
export function elasticSpec(space: BlockSpace, o: Pick<BuildOptions, 'inShape' | 'classes'> = {}): ElasticBlockSpec {
  const def = space.def;
  if (def.task !== 'classification') throw new UsageError(`a Once-for-All supernet is built for classification block spaces; '${space.name}' is a ${def.task} space`);
  if (def.resolution) throw new UsageError(`a Once-for-All supernet is built at one input resolution; '${space.name}' searches resolution`);
  return {
    inShape: o.inShape ?? [...def.input.shape],
    classes: o.classes ?? def.input.classes,
    stem: def.stem,
    windowSize: def.windowSize,
    stages: def.stages.map((s, i) => {
      const other = s.ops.find((c) => !ELASTIC_OPS.has(c.op));
      if (other) throw new UsageError(`${space.name}: stage ${i + 1} offers '${other.op}'; a Once-for-All supernet holds conv, mbconv and attention`);
      const conv = s.ops.find((c) => c.op === 'conv');
      const mb = s.ops.find((c) => c.op === 'mbconv');
      const attn = s.ops.find((c) => c.op === 'attention');
      return {
        stride: s.stride, widths: space.widths[i], maxDepth: Math.max(...s.depth),
        conv: conv ? { kernel: Math.max(...conv.kernel) } : undefined,
        mbconv: mb ? { kernel: Math.max(...mb.kernel), expand: Math.max(...mb.expand) } : undefined,
        attention: attn ? [...attn.kind] : [],
      };
    }),
  };
}

export function buildElasticSupernet(space: BlockSpace, o: BuildOptions = {}): ElasticBlockNetwork {
  return buildElasticBlockNetwork(elasticSpec(space, o), o.rng ?? createRng(0));
}

/** Points the supernet at a (validated) genotype: its active layers, in the nn's op names. */
export function selectSubnet(net: ElasticBlockNetwork, g: BlockGenotype): void {
  net.select(toNnBlocks(canonicalBlock(g)));
}

/**
 * The genotype's standalone network with the supernet's weights and running statistics; every
 * weight of it must come from the supernet, so a naming mismatch is an error, never a random weight.
 */
export function extractSubnet(space: BlockSpace, net: ElasticBlockNetwork, g: BlockGenotype): Network {
  const sub = buildNetwork(space, g, { inShape: [...net.config.inShape], classes: net.config.classes });
  try {
    selectSubnet(net, g);
    tf.tidy(() => {
      const slices = new Map(net.exportSubnet());
      for (const { name, variable } of [...sub.variables(), ...sub.buffers()]) {
        const t = slices.get(name);
        if (!t) throw new Error(`elastic supernet: no weight for the subnet's '${name}'`);
        if (t.shape.join() !== variable.shape.join()) throw new Error(`elastic supernet: '${name}' is [${t.shape}], the subnet's [${variable.shape}]`);
        variable.assign(t);
      }
    });
  } catch (err) {
    sub.dispose();
    throw err;
  }
  return sub;
}
