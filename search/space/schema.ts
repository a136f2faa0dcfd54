/**
 * The JSON format of space definitions (space-defs/*.json). The zod schema here is the single
 * source: `space-defs/schema.json` is generated from it (search/space/write-schema.ts) so that
 * editors complete and check the files, and a test keeps the two in step.
 */
import { z } from 'zod';
import { ATTENTION_KINDS, CELL_OPS, CONTEXT_PATHS, NB201_OPS, OUTPUT_STRIDES, SEG_HEADS } from './ops.ts';

const positiveInt = z.int().min(1);

const common = {
  $schema: z.string().optional().meta({ description: 'Path of space-defs/schema.json, for editors.' }),
  name: z.string().min(1).meta({ description: 'Short name, recorded with each run.' }),
  description: z.string().optional(),
  task: z.enum(['classification', 'segmentation']).default('classification')
    .meta({ description: 'The task networks of this space are built for.' }),
  input: z.strictObject({
    shape: z.tuple([positiveInt, positiveInt, positiveInt])
      .meta({ description: 'Default input [height, width, channels].' }),
    classes: z.int().min(2).meta({ description: 'Number of classes of the head.' }),
  }).meta({ description: 'The default input the networks are built and measured at.' }),
  resolution: z.array(z.int().min(8)).min(1).superRefine(uniqueItems).optional()
    .meta({ description: "Classification spaces: input sides (height = width) a genotype chooses among ('resolution'); images are resized to it before training and measuring, as EfficientNet's resolution dimension. Absent: the data set's own size." }),
  segmentation: z.strictObject({
    heads: z.array(z.enum(SEG_HEADS)).min(1).superRefine(uniqueItems).default(['upsample'])
      .meta({ description: 'Head choices searched over: ppm (pyramid pooling, bins 1,2,3,6), fpn (multi-level fusion), upernet (pyramid pooling on the deepest map as the top of an FPN), pup (SETR progressive upsampling: 3x3 conv and 2x upsampling per halving), mask (Segmenter mask transformer: class embeddings attending with the patches, masks from their dot products), upsample (1x1 conv and bilinear upsampling).' }),
    spatialPath: z.array(z.boolean()).min(1).superRefine(uniqueItems).default([false])
      .meta({ description: 'Whether a BiSeNet-style shallow spatial path (1/8) is fused with the context path: [false], [true] or both to search.' }),
    contextPath: z.array(z.enum(CONTEXT_PATHS)).min(1).superRefine(uniqueItems).default(['resize'])
      .meta({ description: "With a spatial path, how the context levels join it: 'resize' (resized and concatenated) or 'arm' (BiSeNet's attention refinement modules, global context, top-down), before the feature fusion module." }),
    outputStride: z.array(z.literal(OUTPUT_STRIDES)).min(1).superRefine(uniqueItems).default([32])
      .meta({ description: 'Block spaces: strides of the deepest features to search over (8, 16, 32); stages past it keep their resolution and dilate their convolutions, as PSPNet does.' }),
    spatialWidth: positiveInt.default(32).meta({ description: 'Channels of the spatial path (its last conv and the fusion have twice this).' }),
    ignoreLabel: z.int().min(0).max(255).default(255).meta({ description: 'Mask value that loss and metrics skip.' }),
  }).optional().meta({ description: "Segmentation spaces (task 'segmentation'): features from 1/4 to 1/32 and a searchable head; genotypes gain 'head' and 'spatialPath'." }),
};

function uniqueItems<T>(items: T[], ctx: z.core.$RefinementCtx<T[]>): void {
  items.forEach((item, i) => {
    if (items.indexOf(item) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate ${JSON.stringify(item)}` });
  });
}

export const CellSpaceDefSchema = z.strictObject({
  ...common,
  family: z.literal('cell'),
  cell: z.strictObject({
    ops: z.array(z.enum(CELL_OPS)).min(2).superRefine(uniqueItems)
      .refine((ops) => ops.some((op) => op !== 'none'), 'needs an operation besides none')
      .meta({ description: 'Candidate operations of every edge (the first is index 0 of the architecture weights).' }),
    nodes: z.int().min(1).max(8).meta({ description: 'Intermediate nodes per cell; each takes two inputs.' }),
  }),
  network: z.strictObject({
    C: positiveInt.meta({ description: 'Initial channels.' }),
    layers: positiveInt.meta({ description: 'Cells; reduction cells sit at 1/3 and 2/3 of the depth.' }),
    auxiliary: z.boolean().default(false).meta({ description: 'Auxiliary head after the second reduction.' }),
  }).meta({ description: 'The network a genotype is trained in.' }),
  supernet: z.strictObject({
    C: positiveInt,
    layers: positiveInt,
  }).optional().meta({ description: 'The (smaller) over-parameterised network of a differentiable search.' }),
}).superRefine((def, ctx) => {
  if (def.segmentation && def.segmentation.outputStride.join() !== '32') {
    ctx.addIssue({ code: 'custom', path: ['segmentation', 'outputStride'], message: 'cell spaces read their features at 1/32; output stride is a choice of block spaces' });
  }
});

export const TabularCellSpaceDefSchema = z.strictObject({
  ...common,
  family: z.literal('tabular-cell'),
  cell: z.strictObject({
    ops: z.array(z.enum(NB201_OPS)).min(2).superRefine(uniqueItems)
      .meta({ description: 'Candidate operations of every edge.' }),
    nodes: z.int().min(2).max(8).meta({ description: 'Nodes including input and output (NAS-Bench-201: 4, i.e. 6 edges).' }),
  }),
  network: z.strictObject({
    C: positiveInt.meta({ description: 'Channels of the first stage (doubled at each of the two residual reductions).' }),
    cellsPerStage: positiveInt.meta({ description: 'Cells in each of the three stages.' }),
  }),
});

const BlockOpChoiceSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('conv'),
    kernel: z.array(z.literal([3, 5, 7])).min(1).superRefine(uniqueItems),
  }).meta({ description: 'Conv-BN-ReLU.' }),
  z.strictObject({
    op: z.literal('mbconv'),
    kernel: z.array(z.literal([3, 5, 7])).min(1).superRefine(uniqueItems),
    expand: z.array(z.literal([1, 3, 6])).min(1).superRefine(uniqueItems),
  }).meta({ description: 'Inverted residual: 1x1 expand, depthwise kxk, 1x1 project.' }),
  z.strictObject({
    op: z.literal('hardnet'),
    kernel: z.array(z.literal([3, 5])).min(1).superRefine(uniqueItems),
  }).meta({ description: 'HarDNet harmonic dense block: four kxk conv-BN-ReLU layers with harmonic links, a 1x1 transition to the width.' }),
  z.strictObject({
    op: z.literal('vit'),
  }).meta({ description: 'ViT/SETR encoder layer: patch embedding (a stride x stride conv) when strided, then global self-attention and an MLP, each pre-LN and residual; later stages only.' }),
  z.strictObject({
    op: z.literal('attention'),
    kind: z.array(z.enum(ATTENTION_KINDS)).min(1).superRefine(uniqueItems),
  }).meta({ description: 'Multi-head self-attention, windowed (relative position bias) or global; later stages only.' }),
]);

/** Feature maps must be at most 1/ATTENTION_MIN_STRIDE of the input for attention to be offered. */
export const ATTENTION_MIN_STRIDE = 8;

export const BlockSpaceDefSchema = z.strictObject({
  ...common,
  family: z.literal('block'),
  stem: z.strictObject({ width: positiveInt, stride: z.literal([1, 2]) }),
  stages: z.array(z.strictObject({
    stride: z.literal([1, 2]),
    depth: z.array(positiveInt).min(1).superRefine(uniqueItems).meta({ description: 'Allowed numbers of layers.' }),
    width: z.strictObject({
      base: positiveInt,
      multipliers: z.array(z.number().positive()).min(1).superRefine(uniqueItems),
    }).meta({ description: 'Output channels: base x multiplier, rounded to a multiple of 8 as in MobileNet.' }),
    ops: z.array(BlockOpChoiceSchema).min(1).meta({ description: 'Per-layer operation choices.' }),
  })).min(1),
  windowSize: positiveInt.default(4).meta({ description: 'Tokens per window side of window attention.' }),
}).superRefine((def, ctx) => {
  let stride = def.stem.stride;
  const reached = new Set<number>([stride]);
  def.stages.forEach((stage, s) => {
    stride *= stage.stride;
    reached.add(stride);
    stage.ops.forEach((choice, o) => {
      if ((choice.op === 'attention' || choice.op === 'vit') && stride < ATTENTION_MIN_STRIDE) {
        ctx.addIssue({
          code: 'custom', path: ['stages', s, 'ops', o, 'op'],
          message: `attention is offered only in later stages (total stride >= ${ATTENTION_MIN_STRIDE}; here ${stride})`,
        });
      }
    });
    const kinds = stage.ops.map((c) => c.op);
    kinds.forEach((k, i) => {
      if (kinds.indexOf(k) !== i) ctx.addIssue({ code: 'custom', path: ['stages', s, 'ops', i, 'op'], message: `duplicate ${k}` });
    });
  });
  def.segmentation?.outputStride.forEach((os, i) => {
    if (!reached.has(os)) ctx.addIssue({ code: 'custom', path: ['segmentation', 'outputStride', i], message: `the stages reach strides ${[...reached].join(', ')}, not ${os}` });
  });
});

export const SPACE_FAMILIES = ['cell', 'tabular-cell', 'block'] as const;

export const SpaceDefSchema = z.discriminatedUnion('family', [
  CellSpaceDefSchema, TabularCellSpaceDefSchema, BlockSpaceDefSchema,
], { error: (iss) => iss.code === 'invalid_union' ? `expected family to be one of ${SPACE_FAMILIES.join(', ')}` : undefined }).meta({ title: 'Cellscape search space', description: 'A search space definition of Cellscape.' });

export type CellSpaceDef = z.output<typeof CellSpaceDefSchema>;
export type TabularCellSpaceDef = z.output<typeof TabularCellSpaceDefSchema>;
export type BlockSpaceDef = z.output<typeof BlockSpaceDefSchema>;
export type BlockOpChoice = z.output<typeof BlockOpChoiceSchema>;
export type SpaceDef = z.output<typeof SpaceDefSchema>;

/** The JSON Schema of space definitions, as committed in space-defs/schema.json. */
export function spaceJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(SpaceDefSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
