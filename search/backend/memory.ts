/**
 * How much memory the tensors of this thread hold, and a guard that fails an evaluation as soon as
 * they pass a limit. On wasm the tensors live in the module's linear memory, which grows and never
 * shrinks, so its size is what the thread really holds (and what an Emscripten abort runs into);
 * other backends report their tensors' bytes.
 */
import * as tf from '@tensorflow/tfjs';
import { OutOfMemoryError } from '../util/errors.ts';

interface WasmBackendMemory { wasm?: { asm?: { memory?: WebAssembly.Memory } } }

export function tensorMemoryBytes(): number {
  const memory = (tf.backend() as unknown as WasmBackendMemory).wasm?.asm?.memory;
  return memory ? memory.buffer.byteLength : tf.memory().numBytes;
}

const MB = 2 ** 20;

/** A check to call between training steps: throws OutOfMemoryError once the tensors pass limitMb. */
export function tensorMemoryGuard(limitMb: number, flag = '--max-memory'): () => void {
  return () => {
    const bytes = tensorMemoryBytes();
    if (bytes > limitMb * MB) throw new OutOfMemoryError(`tensors took ${Math.ceil(bytes / MB)} MB, over ${flag} ${limitMb} MB`);
  };
}
