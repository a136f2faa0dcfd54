/**
 * `cellscape inspect GENOTYPE [--space FILE] [--json]`: what a genotype is, and the parameters
 * and MACs of the network it builds in its space at the space's default input.
 */
import { parseArgs } from 'node:util';
import type { Command } from '../cli.ts';
import { UsageError } from '../util/errors.ts';
import { readGenotypeArg } from '../space/genotype-input.ts';
import { loadSpace, resolveSpacePath } from '../space/load.ts';
import type { SpaceFamily } from '../space/types.ts';

const DEFAULT_SPACE: Record<SpaceFamily, string> = {
  'cell': 'darts-cifar10',
  'tabular-cell': 'nb201',
  'block': 'mobile-blocks',
};

const HELP = `Usage: cellscape inspect GENOTYPE [--space FILE] [--json]

GENOTYPE is a file (a DARTS-notation JSON genotype, an exported genotype JSON with a
\`genotype\` field, or a Python repr such as Genotype(normal=[...], ...)), the name of a
published genotype (DARTS_V1, DARTS_V2, PC_DARTS_cifar, PDARTS, GDAS_V1, ...), of a reference
architecture (pspnet-like, swin-upernet-like, resnet-like, ...: search/space/references.ts) or an
NAS-Bench-201 string (|nor_conv_3x3~0|+|...|).

  --space FILE  the space definition (a path, or the name of one in space-defs/); default:
                darts-cifar10 for cell genotypes, nb201 for NAS-Bench-201 strings,
                mobile-blocks for block genotypes
  --json        print one JSON object`;

function spaceOf(family: SpaceFamily, given: string | undefined, fromExport: string | undefined): string {
  if (given) return resolveSpacePath(given);
  if (fromExport) {
    try {
      return resolveSpacePath(fromExport);
    } catch {
      // The exporting machine's space file is not here: fall back to the family's default.
    }
  }
  return resolveSpacePath(DEFAULT_SPACE[family]);
}

const millions = (n: number): string => `${(n / 1e6).toFixed(2)}M`;

export const command: Command = {
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: {
        space: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      } });
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n\n${HELP}`);
    }
    const { values, positionals } = parsed;
    if (values.help) { console.log(HELP); return 0; }
    if (positionals.length !== 1) throw new UsageError(`expected one GENOTYPE\n\n${HELP}`);

    const input = readGenotypeArg(positionals[0]);
    const spacePath = spaceOf(input.family, values.space, input.space);
    const space = loadSpace(spacePath);
    if (space.family !== input.family) {
      throw new UsageError(`${input.source} is a ${input.family} genotype but ${spacePath} is a ${space.family} space`);
    }
    const genotype = space.validate(input.genotype, input.source);

    // Counting needs the weights' shapes only, so the plain CPU backend does.
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { buildNetwork } = await import('../space/build.ts');
    const net = buildNetwork(space, genotype);
    const params = net.paramCount();
    const macs = net.flops();
    net.dispose();

    const { shape, classes } = space.def.input;
    const description = space.describe(genotype as never);
    if (values.json) {
      console.log(JSON.stringify({
        source: input.source, space: space.name, spaceFile: spacePath, spaceHash: space.hash, family: space.family,
        task: space.def.task, inShape: shape, classes, genotype, key: space.key(genotype as never), description, params, macs,
      }, null, 2));
    } else {
      console.log(`${input.source} in ${space.name} (${space.family}, ${space.def.task}, input ${shape.join('x')}, ${classes} classes)`);
      console.log(description);
      console.log(`parameters: ${params.toLocaleString('en-US')} (${millions(params)})`);
      console.log(`MACs:       ${macs.toLocaleString('en-US')} (${millions(macs)}) per image`);
    }
    return 0;
  },
};
