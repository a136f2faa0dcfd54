/**
 * The block space (MnasNet / FBNet / Once-for-All style): a stem, then stages of layers; each
 * stage chooses its depth and width, each layer its operation (conv, MBConv, attention, HarDNet block) and that
 * operation's kernel, expansion or attention kind. A stage's stride applies to its first layer.
 */
import { z } from 'zod';
import type { Rng } from '../util/rng.ts';
import type { BlockGenotype, BlockLayer, Space } from './types.ts';
import type { BlockOpChoice, BlockSpaceDef } from './schema.ts';
import { fieldError, formatIssues } from './issues.ts';
import { UsageError } from '../util/errors.ts';

export interface BlockSpace extends Space<BlockGenotype> {
  readonly family: 'block';
  readonly def: BlockSpaceDef;
  /** The allowed output widths of each stage. */
  readonly widths: number[][];
}

const BlockShape = z.strictObject({
  stages: z.array(z.strictObject({
    depth: z.int().min(1),
    layers: z.array(z.strictObject({
      op: z.string(),
      kernel: z.int().optional(),
      expand: z.int().optional(),
      attention: z.enum(['window', 'global']).optional(),
      width: z.int().min(1),
    })).min(1),
  })),
});

/** MobileNet's rounding of a scaled width: to a multiple of divisor, never more than 10% down. */
export function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor(value + divisor / 2) - (Math.floor(value + divisor / 2) % divisor));
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

export function stageWidths(def: BlockSpaceDef): number[][] {
  return def.stages.map((s) => [...new Set(s.width.multipliers.map((m) => makeDivisible(s.width.base * m)))].sort((a, b) => a - b));
}

/** The active layers only, each with just the fields its op uses. */
export function canonicalBlock(g: BlockGenotype): BlockGenotype {
  return {
    stages: g.stages.map((s) => ({
      depth: s.depth,
      layers: s.layers.slice(0, s.depth).map((l) => cleanLayer(l)),
    })),
  };
}

function cleanLayer(l: BlockLayer): BlockLayer {
  if (l.op === 'conv' || l.op === 'hardnet') return { op: l.op, kernel: l.kernel, width: l.width };
  if (l.op === 'vit') return { op: l.op, width: l.width };
  if (l.op === 'mbconv') return { op: l.op, kernel: l.kernel, expand: l.expand, width: l.width };
  return { op: l.op, attention: l.attention, width: l.width };
}

export function blockKey(g: BlockGenotype): string {
  return JSON.stringify(canonicalBlock(g));
}

export function describeLayer(l: BlockLayer): string {
  if (l.op === 'conv') return `conv${l.kernel}`;
  if (l.op === 'hardnet') return `hd${l.kernel}`;
  if (l.op === 'vit') return 'vit';
  if (l.op === 'mbconv') return `mb${l.expand}k${l.kernel}`;
  return `${l.attention === 'window' ? 'win' : 'global'}-attn`;
}

/** One line per stage: `stage 1 (s2, 24ch, 3/4 layers): mb6k3 mb3k5 conv3`. */
export function describeBlock(g: BlockGenotype, def?: BlockSpaceDef): string {
  return g.stages.map((s, i) => {
    const stride = def ? `s${def.stages[i].stride}, ` : '';
    const layers = s.layers.slice(0, s.depth);
    return `stage ${i + 1} (${stride}${layers[0].width}ch, ${s.depth} layer${s.depth > 1 ? 's' : ''}): ${layers.map(describeLayer).join(' ')}`;
  }).join('\n');
}

function checkLayer(l: BlockLayer, choices: readonly BlockOpChoice[], source: string, path: (string | number)[]): void {
  const choice = choices.find((c) => c.op === l.op);
  if (!choice) throw fieldError(source, [...path, 'op'], `expected one of ${choices.map((c) => c.op).join(', ')}`);
  const expectOnly = (fields: string[]): void => {
    for (const f of ['kernel', 'expand', 'attention'] as const) {
      if (!fields.includes(f) && l[f] !== undefined) throw fieldError(source, [...path, f], `${l.op} takes no ${f}`);
    }
  };
  const oneOf = (field: 'kernel' | 'expand' | 'attention', allowed: readonly (string | number)[]): void => {
    if (l[field] === undefined || !allowed.includes(l[field])) throw fieldError(source, [...path, field], `expected one of ${allowed.join(', ')}`);
  };
  if (choice.op === 'conv' || choice.op === 'hardnet') { expectOnly(['kernel']); oneOf('kernel', choice.kernel); }
  if (choice.op === 'mbconv') { expectOnly(['kernel', 'expand']); oneOf('kernel', choice.kernel); oneOf('expand', choice.expand); }
  if (choice.op === 'attention') { expectOnly(['attention']); oneOf('attention', choice.kind); }
  if (choice.op === 'vit') expectOnly([]);
}

export function validateBlock(g: unknown, def: BlockSpaceDef, source = 'genotype'): BlockGenotype {
  const parsed = BlockShape.safeParse(g);
  if (!parsed.success) throw new UsageError(formatIssues(source, parsed.error.issues));
  const geno = parsed.data as BlockGenotype;
  if (geno.stages.length !== def.stages.length) throw fieldError(source, ['stages'], `expected ${def.stages.length} stages, got ${geno.stages.length}`);
  const widths = stageWidths(def);
  geno.stages.forEach((stage, s) => {
    const sd = def.stages[s];
    if (!sd.depth.includes(stage.depth)) throw fieldError(source, ['stages', s, 'depth'], `expected one of ${sd.depth.join(', ')}`);
    const maxDepth = Math.max(...sd.depth);
    if (stage.layers.length < stage.depth || stage.layers.length > maxDepth) {
      throw fieldError(source, ['stages', s, 'layers'], `expected ${stage.depth}..${maxDepth} layers, got ${stage.layers.length}`);
    }
    stage.layers.forEach((l, i) => {
      checkLayer(l, sd.ops, source, ['stages', s, 'layers', i]);
      if (!widths[s].includes(l.width)) throw fieldError(source, ['stages', s, 'layers', i, 'width'], `expected one of ${widths[s].join(', ')}`);
      if (l.width !== stage.layers[0].width) throw fieldError(source, ['stages', s, 'layers', i, 'width'], `a stage has one width (${stage.layers[0].width}), got ${l.width}`);
    });
  });
  return geno;
}

function sampleLayer(choices: readonly BlockOpChoice[], width: number, rng: Rng): BlockLayer {
  const c = rng.pick(choices);
  if (c.op === 'conv' || c.op === 'hardnet') return { op: c.op, kernel: rng.pick(c.kernel), width };
  if (c.op === 'vit') return { op: 'vit', width };
  if (c.op === 'mbconv') return { op: 'mbconv', kernel: rng.pick(c.kernel), expand: rng.pick(c.expand), width };
  return { op: 'attention', attention: rng.pick(c.kind), width };
}

const MUTATION_TRIES = 16;

export function createBlockSpace(def: BlockSpaceDef, hash: string): BlockSpace {
  const widths = stageWidths(def);
  const maxDepths = def.stages.map((s) => Math.max(...s.depth));
  const copy = (g: BlockGenotype): BlockGenotype => ({ stages: g.stages.map((s) => ({ depth: s.depth, layers: s.layers.map((l) => ({ ...l })) })) });

  // One of: a stage's depth, a stage's width, or one active layer redrawn.
  const mutateOnce = (g: BlockGenotype, rng: Rng): BlockGenotype => {
    const child = copy(g);
    const s = rng.int(child.stages.length);
    const stage = child.stages[s];
    const what = rng.int(3);
    if (what === 0 && def.stages[s].depth.length > 1) {
      stage.depth = rng.pick(def.stages[s].depth.filter((d) => d !== stage.depth));
      while (stage.layers.length < stage.depth) stage.layers.push(sampleLayer(def.stages[s].ops, stage.layers[0].width, rng));
    } else if (what === 1 && widths[s].length > 1) {
      const width = rng.pick(widths[s].filter((w) => w !== stage.layers[0].width));
      for (const l of stage.layers) l.width = width;
    } else {
      const i = rng.int(stage.depth);
      stage.layers[i] = sampleLayer(def.stages[s].ops, stage.layers[0].width, rng);
    }
    return child;
  };

  return {
    name: def.name,
    family: 'block',
    hash,
    def,
    widths,
    sample: (rng) => ({
      stages: def.stages.map((sd, s) => {
        const width = rng.pick(widths[s]);
        return { depth: rng.pick(sd.depth), layers: Array.from({ length: maxDepths[s] }, () => sampleLayer(sd.ops, width, rng)) };
      }),
    }),
    mutate: (g, rng) => {
      const key = blockKey(g);
      let child = mutateOnce(g, rng);
      for (let t = 1; t < MUTATION_TRIES && blockKey(child) === key; t++) child = mutateOnce(g, rng);
      return child;
    },
    // Each stage's depth and width come from one parent, each layer from either (at that width).
    crossover: (a, b, rng) => ({
      stages: a.stages.map((sa, s) => {
        const sb = b.stages[s];
        const lead = rng.next() < 0.5 ? sa : sb;
        const width = lead.layers[0].width;
        const length = Math.max(sa.layers.length, sb.layers.length);
        const layers = Array.from({ length }, (_, i) => {
          const pick = rng.next() < 0.5 ? (sa.layers[i] ?? sb.layers[i]) : (sb.layers[i] ?? sa.layers[i]);
          return { ...pick, width };
        });
        return { depth: lead.depth, layers };
      }),
    }),
    key: blockKey,
    describe: (g) => describeBlock(g, def),
    validate: (g: unknown, source?: string) => validateBlock(g, def, source),
  };
}

/** search/nn names the two attention layers 'attention' (global) and 'win_attn' (window). */
export function toNnBlocks(g: BlockGenotype): BlockGenotype {
  return {
    stages: g.stages.map((s) => ({
      depth: s.depth,
      layers: s.layers.map(({ attention, ...l }) => (l.op === 'attention' && attention === 'window' ? { ...l, op: 'win_attn' } : l)),
    })),
  };
}
