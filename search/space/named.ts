/**
 * Published cell genotypes, in DARTS notation, for `cellscape inspect NAME` and as baselines.
 * Each was checked against its authors' repository:
 *   DARTS_V1, DARTS_V2  quark0/darts cnn/genotypes.py (Liu et al., ICLR 2019; DARTS = DARTS_V2)
 *   PC_DARTS_cifar, PC_DARTS_image  yuhuixu1993/PC-DARTS genotypes.py (Xu et al., ICLR 2020)
 *   PDARTS  chenxin061/pdarts genotypes.py (Chen et al., ICCV 2019)
 *   GDAS_V1  D-X-Y's genotypes (Dong & Yang, CVPR 2019), written there as pairs per node
 * NASNet, AmoebaNet and ENAS are left out: they use five nodes and operations outside the
 * DARTS vocabulary (sep_conv_7x7, conv_7x1_1x7), and copies of ENAS in circulation disagree.
 */
import type { CellEdge, CellGenotype } from './types.ts';

const all = [2, 3, 4, 5];
const cell = (normal: CellEdge[], reduce: CellEdge[]): CellGenotype =>
  ({ normal, normal_concat: [...all], reduce, reduce_concat: [...all] });

const DARTS_V2: CellGenotype = cell(
  [['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 0], ['dil_conv_3x3', 2]],
  [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 1],
    ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['max_pool_3x3', 1]],
);

export const NAMED_GENOTYPES: Readonly<Record<string, CellGenotype>> = {
  DARTS_V1: cell(
    [['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['skip_connect', 0], ['sep_conv_3x3', 1],
      ['skip_connect', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['skip_connect', 2]],
    [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 0],
      ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['avg_pool_3x3', 0]],
  ),
  DARTS_V2,
  DARTS: DARTS_V2,
  PC_DARTS_cifar: cell(
    [['sep_conv_3x3', 1], ['skip_connect', 0], ['sep_conv_3x3', 0], ['dil_conv_3x3', 1],
      ['sep_conv_5x5', 0], ['sep_conv_3x3', 1], ['avg_pool_3x3', 0], ['dil_conv_3x3', 1]],
    [['sep_conv_5x5', 1], ['max_pool_3x3', 0], ['sep_conv_5x5', 1], ['sep_conv_5x5', 2],
      ['sep_conv_3x3', 0], ['sep_conv_3x3', 3], ['sep_conv_3x3', 1], ['sep_conv_3x3', 2]],
  ),
  PC_DARTS_image: cell(
    [['skip_connect', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 0], ['skip_connect', 1],
      ['sep_conv_3x3', 1], ['sep_conv_3x3', 3], ['sep_conv_3x3', 1], ['dil_conv_5x5', 4]],
    [['sep_conv_3x3', 0], ['skip_connect', 1], ['dil_conv_5x5', 2], ['max_pool_3x3', 1],
      ['sep_conv_3x3', 2], ['sep_conv_3x3', 1], ['sep_conv_5x5', 0], ['sep_conv_3x3', 3]],
  ),
  PDARTS: cell(
    [['skip_connect', 0], ['dil_conv_3x3', 1], ['skip_connect', 0], ['sep_conv_3x3', 1],
      ['sep_conv_3x3', 1], ['sep_conv_3x3', 3], ['sep_conv_3x3', 0], ['dil_conv_5x5', 4]],
    [['avg_pool_3x3', 0], ['sep_conv_5x5', 1], ['sep_conv_3x3', 0], ['dil_conv_5x5', 2],
      ['max_pool_3x3', 0], ['dil_conv_3x3', 1], ['dil_conv_3x3', 1], ['dil_conv_5x5', 3]],
  ),
  GDAS_V1: cell(
    [['skip_connect', 0], ['skip_connect', 1], ['skip_connect', 0], ['sep_conv_5x5', 2],
      ['sep_conv_3x3', 3], ['skip_connect', 0], ['sep_conv_5x5', 4], ['sep_conv_3x3', 3]],
    [['sep_conv_5x5', 0], ['sep_conv_3x3', 1], ['sep_conv_5x5', 2], ['sep_conv_5x5', 1],
      ['dil_conv_5x5', 2], ['sep_conv_3x3', 1], ['sep_conv_5x5', 0], ['sep_conv_5x5', 1]],
  ),
};

/** The named genotype, matched case-insensitively, or undefined. */
export function namedGenotype(name: string): CellGenotype | undefined {
  const key = Object.keys(NAMED_GENOTYPES).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? structuredClone(NAMED_GENOTYPES[key]) : undefined;
}
