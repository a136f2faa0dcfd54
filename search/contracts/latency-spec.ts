/** How a job's latency is found. */
export interface LatencySpec {
  /** Where latency comes from: measured on TF.js, on onnxruntime, looked up in a table, or not at all. */
  runtime: 'tfjs' | 'onnxruntime' | 'lut' | 'none';
  warmup: number;
  repeats: number;
  /** Path of a per-operation lookup table, for runtime 'lut'. */
  lutPath?: string;
}
