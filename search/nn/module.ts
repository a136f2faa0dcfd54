/**
 * A small module system on plain TensorFlow.js ops (no tf.layers), so that every network is a
 * walkable tree of kinds and configs that an exporter can translate and a checkpoint can name.
 *
 * Layout: tensors are NHWC; shapes passed to `outputShape`/`flops` are per image, without the
 * batch dimension: [h, w, c] for feature maps, [c] for vectors. FLOPs are multiply-accumulates
 * (MACs) per image of convolutions, dense layers and attention matmuls; element-wise ops,
 * normalisation and pooling count zero, as in fvcore.
 */
import * as tf from '@tensorflow/tfjs';

export type Shape = number[];
export type ModuleConfig = Readonly<Record<string, unknown>>;

export interface NamedVariable {
  /** Stable hierarchical path, e.g. `cells.3.edges.2.op.dw.kernel`. */
  name: string;
  variable: tf.Variable;
}

export abstract class Module {
  abstract readonly kind: string;
  /** Plain JSON: with `kind` and `children()` enough to translate the module (e.g. to ONNX). */
  abstract readonly config: ModuleConfig;
  private readonly ownParams = new Map<string, tf.Variable>();
  private readonly ownBuffers = new Map<string, tf.Variable>();
  private readonly ownChildren = new Map<string, Module>();

  /** A trainable variable. Names given to tf are left automatic: tf requires them globally unique. */
  protected addParam(name: string, shape: number[], values: Float32Array): tf.Variable {
    const v = makeVariable(values, shape, true);
    this.ownParams.set(name, v);
    return v;
  }

  /** Non-trainable state (e.g. BatchNorm running statistics), saved with the weights. */
  protected addBuffer(name: string, shape: number[], values: Float32Array): tf.Variable {
    const v = makeVariable(values, shape, false);
    this.ownBuffers.set(name, v);
    return v;
  }

  protected addChild<M extends Module>(name: string, m: M): M {
    if (name.includes('.')) throw new Error(`child name '${name}' must not contain '.'`);
    this.ownChildren.set(name, m);
    return m;
  }

  children(): [string, Module][] { return [...this.ownChildren]; }
  params(): [string, tf.Variable][] { return [...this.ownParams]; }
  stateBuffers(): [string, tf.Variable][] { return [...this.ownBuffers]; }

  /** Trainable variables of this module and all descendants, with hierarchical names. */
  variables(prefix = ''): NamedVariable[] {
    const out: NamedVariable[] = this.params().map(([n, v]) => ({ name: prefix + n, variable: v }));
    for (const [n, c] of this.ownChildren) out.push(...c.variables(`${prefix}${n}.`));
    return out;
  }

  /** Non-trainable variables (running statistics), with hierarchical names. */
  buffers(prefix = ''): NamedVariable[] {
    const out: NamedVariable[] = this.stateBuffers().map(([n, v]) => ({ name: prefix + n, variable: v }));
    for (const [n, c] of this.ownChildren) out.push(...c.buffers(`${prefix}${n}.`));
    return out;
  }

  /** Number of trainable scalars, as PyTorch counts `parameters()`: running statistics excluded. */
  paramCount(): number {
    return this.variables().reduce((s, { variable }) => s + variable.size, 0);
  }

  dispose(): void {
    for (const v of this.ownParams.values()) v.dispose();
    for (const v of this.ownBuffers.values()) v.dispose();
    for (const c of this.ownChildren.values()) c.dispose();
  }
}

/** The variable shares the initial tensor's data; the initial tensor itself is released. */
function makeVariable(values: Float32Array, shape: number[], trainable: boolean): tf.Variable {
  const init = tf.tensor(values, shape);
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}

/**
 * A forward hook, as PyTorch's `register_forward_hook`: sees a layer's output during a forward pass
 * and returns it or a stand-in (the same values with a gradient side effect, say). Analyses that
 * read activations, such as zero-cost proxies, set one for a pass; training never does.
 */
export type ForwardHook = (output: tf.Tensor) => tf.Tensor;

/** A module with one input and one output: everything below cells and networks. */
export abstract class Layer extends Module {
  /** Name in the operation registry (e.g. `sep_conv_3x3`) when built from it; used in latency keys. */
  opName?: string;
  /**
   * Honoured by the layers an analysis observes: conv2d, dense and relu. A hooked layer is not
   * fused with its neighbours, so its hook sees exactly that layer's output.
   */
  forwardHook?: ForwardHook;
  abstract forward(x: tf.Tensor, training: boolean): tf.Tensor;
  abstract outputShape(inShape: Shape): Shape;
  /** Multiply-accumulates per image. */
  abstract flops(inShape: Shape): number;

  latencyKey(inShape: Shape): string {
    const out = this.outputShape(inShape);
    return latencyKey(this.opName ?? this.kind, inShape, out);
  }

  /** The output as the forward hook, if any, passes it on. */
  protected hooked(output: tf.Tensor): tf.Tensor { return this.forwardHook ? this.forwardHook(output) : output; }
}

/**
 * Key of a latency lookup table entry: op name, input channels (and output channels when they
 * differ), stride and input resolution, e.g. `sep_conv_3x3@c16s1h32w32`, `mbconv_k3e6@c16o24s2h32w32`.
 */
export function latencyKey(opName: string, inShape: Shape, outShape: Shape): string {
  const [h, w, c] = inShape;
  const [oh, , oc] = outShape;
  const stride = Math.max(1, Math.round(h / oh));
  return `${opName}@c${c}${oc !== c ? `o${oc}` : ''}s${stride}h${h}w${w}`;
}

/** A per-channel y = x * scale + shift (an inference-mode batch norm), foldable into a preceding layer. */
export interface ChannelAffine {
  inferenceAffine(): { scale: tf.Tensor1D; shift: tf.Tensor1D };
}

/** What a layer applies to its own output when it absorbs the layers after it. */
export interface Epilogue {
  affine?: { scale: tf.Tensor1D; shift: tf.Tensor1D };
  relu: boolean;
}

/** A layer (a convolution) that can run a following channel affine and/or ReLU inside its own kernel. */
export interface Fusable {
  forwardFused(x: tf.Tensor, training: boolean, epilogue: Epilogue): tf.Tensor;
}

const isFusable = (l: Layer): l is Layer & Fusable => typeof (l as Partial<Fusable>).forwardFused === 'function';
const isChannelAffine = (l: Layer | undefined): l is Layer & ChannelAffine => typeof (l as Partial<ChannelAffine> | undefined)?.inferenceAffine === 'function';

/**
 * Children applied in order. `kind` stays 'sequential' so exporters chain the children generically.
 * A convolution absorbs what follows it, with the same result: in inference a batch norm (folded
 * into its weights and bias) and a ReLU, in training a ReLU — fewer passes over the feature maps.
 */
export class Sequential extends Layer {
  readonly kind = 'sequential';
  readonly config: ModuleConfig;
  private readonly layers: Layer[];

  constructor(layers: [string, Layer][], label?: string) {
    super();
    this.layers = layers.map(([n, l]) => this.addChild(n, l));
    this.config = label ? { label } : {};
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor { return this.forwardFrom(x, training, 0); }

  /** The layers from index `start` on; a caller that already applied the first ones (e.g. a shared ReLU) skips them. */
  forwardFrom(x: tf.Tensor, training: boolean, start: number): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      let i = start;
      while (i < this.layers.length) {
        const l = this.layers[i++];
        if (!isFusable(l) || l.forwardHook) {
          h = l.forward(h, training);
          continue;
        }
        let affine: Epilogue['affine'];
        const following = this.layers[i];
        if (!training && isChannelAffine(following)) {
          affine = following.inferenceAffine();
          i++;
        }
        const relu = this.layers[i]?.kind === 'relu' && !this.layers[i].forwardHook;
        if (relu) i++;
        h = l.forwardFused(h, training, { affine, relu });
      }
      return h;
    });
  }

  outputShape(inShape: Shape): Shape {
    return this.layers.reduce((s, l) => l.outputShape(s), inShape);
  }

  flops(inShape: Shape): number { return chainFlops(this.layers, inShape); }
}

/** Each layer's output shape when `layers` are applied one after another to `inShape`. */
export function chainShapes(layers: readonly Layer[], inShape: Shape): Shape[] {
  let s = inShape;
  return layers.map((l) => (s = l.outputShape(s)));
}

/** MACs per image of `layers` applied one after another to `inShape`. */
export function chainFlops(layers: readonly Layer[], inShape: Shape): number {
  let s = inShape;
  let total = 0;
  for (const l of layers) {
    total += l.flops(s);
    s = l.outputShape(s);
  }
  return total;
}

/** x + inner(x); the inner layer must keep the shape. */
export class Residual extends Layer {
  readonly kind = 'residual';
  readonly config: ModuleConfig = {};
  readonly inner: Layer;

  constructor(inner: Layer) {
    super();
    this.inner = this.addChild('inner', inner);
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => tf.add(x, this.inner.forward(x, training)));
  }

  outputShape(inShape: Shape): Shape {
    const out = this.inner.outputShape(inShape);
    if (out.join() !== inShape.join()) throw new Error(`residual needs a shape-preserving inner layer, got [${inShape}] -> [${out}]`);
    return out;
  }

  flops(inShape: Shape): number { return this.inner.flops(inShape); }
}

/** Numbered children, for lists of cells, edges or branches. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly kind = 'list';
  readonly config: ModuleConfig = {};
  readonly items: M[];

  constructor(items: M[]) {
    super();
    this.items = items.map((m, i) => this.addChild(String(i), m));
  }
}
