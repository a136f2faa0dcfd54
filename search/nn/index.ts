/** Public surface of the operations, modules and network builders. */
export { Module, Layer, Sequential, Residual, ModuleList, latencyKey, type Shape, type ModuleConfig, type NamedVariable } from './module.ts';
export { Conv2d, BatchNorm, LayerNorm, Dense, ReLU, Pool2d, GlobalAvgPool, Identity, Zero, subsample, type Conv2dOptions } from './layers.ts';
export { OPS, buildOp, reluConvBn, convBnRelu, sepConv, dilConv, mbconv, FactorizedReduce, ResNetBasicBlock, type OpBuilder, type OpOptions } from './ops.ts';
export { WindowAttention, GlobalAttention, attentionOp, defaultHeads } from './attention.ts';
export { DartsCell, defaultEdgeFactory, genotypeWiring, supernetWiring, isWeighted, type EdgeFactory, type EdgeSpec, type WeightedLayer, type CellEdgeWiring } from './cell.ts';
export { buildCellNetwork, buildDartsSupernet, supernetEdgeCount, MixedOp, auxiliaryHead, DartsBackbone, type CellNetworkOptions, type SupernetOptions } from './darts.ts';
export { buildNb201Network, buildNb201Supernet, nb201Wiring, Nb201Cell, Nb201Backbone, type Nb201Options } from './nb201.ts';
export { buildBlockNetwork, buildBlockLayer, blockOpName, BLOCK_OPS, BlockBackbone, type BlockNetworkOptions } from './block.ts';
export { ClassifierHead, UpsampleHead, PyramidPoolingHead, FpnHead, UperNetHead, ProgressiveUpsamplingHead, buildHead, adaptivePoolMatrix, type HeadKind } from './heads.ts';
export { Network, Backbone, Head, levelEnds, type ForwardContext, type BackboneOutput, type NetworkConfig } from './network.ts';
export { saveWeights, loadWeights, type WeightMap, type NamedWeight } from './weights.ts';
