/**
 * Picks the TensorFlow.js backend: the one asked for (opts.backend, else the environment
 * variable CELLSCAPE_BACKEND), otherwise the fastest present — `tensorflow` from
 * @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (optional dependencies), then `wasm`,
 * then `cpu`. On wasm it also registers the training kernels the backend lacks, and on every
 * backend the gradients of dilated convolutions, which tfjs refuses.
 */
import * as tf from '@tensorflow/tfjs';
import { registerDilatedGradients } from './dilated-grads.ts';
import { registerWasmTrainingKernels } from './wasm-kernels.ts';

export interface BackendInfo {
  name: string;
  threads: number;
  /** The npm package that provides the backend. */
  package: string;
}

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;

interface Candidate { name: string; package: string; load(): Promise<boolean> }

async function importOptional(pkg: string): Promise<boolean> {
  try {
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}

const candidates: Candidate[] = [
  { name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', load: () => importOptional('@tensorflow/tfjs-node-gpu') },
  { name: 'tensorflow', package: '@tensorflow/tfjs-node', load: () => importOptional('@tensorflow/tfjs-node') },
  { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', load: loadWasm },
  { name: 'cpu', package: '@tensorflow/tfjs', load: async () => true },
];

async function loadWasm(): Promise<boolean> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The stock Node build of the wasm backend runs one thread (tfjs issue 3830); say so.
  wasm.setThreadsCount(1);
  return true;
}

let active: BackendInfo | null = null;

function threadsOf(name: string, wasmThreads: () => number): number {
  if (name === 'wasm') return wasmThreads();
  if (name === 'cpu') return 1;
  return Number(process.env.TF_NUM_INTRAOP_THREADS) || 0; // 0: TensorFlow's own default
}

async function activate(c: Candidate): Promise<BackendInfo | null> {
  if (!(await c.load())) return null;
  if (!(await tf.setBackend(c.name))) return null;
  await tf.ready();
  registerDilatedGradients();
  let wasmThreads = () => 1;
  if (c.name === 'wasm') {
    registerWasmTrainingKernels();
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasmThreads = wasm.getThreadsCount;
  }
  return { name: c.name, threads: threadsOf(c.name, wasmThreads), package: c.package };
}

/**
 * Initialises the backend once per process (later calls return the first choice unless a
 * different backend is asked for). A requested backend that is unknown or cannot load is an
 * error naming it.
 */
export async function initBackend(opts: { backend?: string } = {}): Promise<BackendInfo> {
  const requested = opts.backend ?? (process.env.CELLSCAPE_BACKEND || undefined);
  if (active && (!requested || requested === active.name)) return active;
  if (requested !== undefined) {
    if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
      throw new Error(`unknown backend '${requested}' (from ${opts.backend ? '--backend' : 'CELLSCAPE_BACKEND'}); known: ${BACKEND_NAMES.join(', ')}`);
    }
    for (const c of candidates.filter((x) => x.name === requested)) {
      const info = await activate(c);
      if (info) return (active = info);
    }
    const pkgs = candidates.filter((x) => x.name === requested).map((x) => x.package).join(' or ');
    throw new Error(`backend '${requested}' is not available: could not load ${pkgs}`);
  }
  for (const c of candidates) {
    const info = await activate(c);
    if (info) return (active = info);
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}

/** The backend chosen by initBackend, or null before it ran. */
export function activeBackend(): BackendInfo | null {
  return active;
}
