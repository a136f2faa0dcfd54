/**
 * A small ONNX graph builder over the onnx-proto (protobufjs) schema: unique value names,
 * float and int64 initialisers, nodes with typed attributes, and the model envelope.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;

/** Opset 13: Softmax on one axis, ReduceMean with an `axes` attribute, Resize with sizes. */
export const OPSET = 13;

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.FLOATS, floats: v.floats };
}

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly int64Cache = new Map<string, string>();

  /** A fresh value name based on `hint` (module paths make the graph readable in Netron). */
  name(hint: string): string {
    const base = hint.replace(/[^\w.\/-]/g, '_') || 'v';
    let n = base;
    for (let i = 1; this.used.has(n); i++) n = `${base}_${i}`;
    this.used.add(n);
    return n;
  }

  floatConst(hint: string, values: Float32Array | number[], dims: number[]): string {
    const n = this.name(hint);
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`constant ${hint}: ${data.length} values for dims [${dims}]`);
    this.initializers.push({ name: n, dataType: DataType.FLOAT, dims, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
    return n;
  }

  /** int64 constants (shapes, axes, pads, indices), shared between nodes that need the same values. */
  int64Const(values: number[], dims: number[] = [values.length]): string {
    const key = `${dims.join('x')}:${values.join(',')}`;
    const cached = this.int64Cache.get(key);
    if (cached) return cached;
    const n = this.name(`const_i64_${values.join('_').slice(0, 40)}`);
    this.initializers.push({ name: n, dataType: DataType.INT64, dims, int64Data: values });
    this.int64Cache.set(key, n);
    return n;
  }

  /** Adds a node; returns its output names: `outputs` fresh ones, or the names given (already reserved with name()). */
  node(op: string, inputs: string[], hint: string, attrs: Record<string, AttrValue> = {}, outputs: number | string[] = 1): string[] {
    const outs = Array.isArray(outputs) ? outputs : Array.from({ length: outputs }, (_, i) => this.name(outputs === 1 ? hint : `${hint}_${i}`));
    this.nodes.push({
      opType: op, input: inputs, output: outs, name: this.name(`${hint}/${op}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Single-output shorthand. */
  op(op: string, inputs: string[], hint: string, attrs: Record<string, AttrValue> = {}): string {
    return this.node(op, inputs, hint, attrs)[0];
  }

  /** The serialised model with one float input and one float output; dimension 0 of both is the symbolic batch `N`. */
  encode(o: { input: string; inputDims: number[]; output: string; outputDims: number[]; docString?: string; metadata?: Record<string, string> }): Uint8Array {
    const valueInfo = (name: string, dims: number[]): onnxProto.onnx.IValueInfoProto => ({
      name,
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, ...dims.map((d) => ({ dimValue: d }))] } } },
    });
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'cellscape',
      opsetImport: [{ domain: '', version: OPSET }],
      docString: o.docString,
      metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: 'cellscape',
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(o.input, o.inputDims)],
        output: [valueInfo(o.output, o.outputDims)],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  get nodeCount(): number { return this.nodes.length; }
}
