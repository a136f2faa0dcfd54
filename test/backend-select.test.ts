/** Backend choice: defaults, overrides and the errors for a backend that cannot be had. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { activeBackend, initBackend } from '../search/backend/index.ts';

const hasTfjsNode = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].some((p) => {
  try { createRequire(import.meta.url).resolve(p); return true; } catch { return false; }
});

test('without a request, the fastest backend present is chosen and reported', async () => {
  delete process.env.CELLSCAPE_BACKEND;
  const info = await initBackend();
  assert.equal(info.name, hasTfjsNode ? 'tensorflow' : 'wasm');
  assert.equal(tf.getBackend(), info.name);
  assert.deepEqual(activeBackend(), info);
  if (info.name === 'wasm') assert.equal(info.threads, 1);
});

test('an unknown backend is an error naming it and where it came from', async () => {
  await assert.rejects(initBackend({ backend: 'webgpu' }), /unknown backend 'webgpu' \(from --backend\)/);
  process.env.CELLSCAPE_BACKEND = 'nope';
  try {
    await assert.rejects(initBackend(), /unknown backend 'nope' \(from CELLSCAPE_BACKEND\)/);
  } finally {
    delete process.env.CELLSCAPE_BACKEND;
  }
});

test('a requested backend is honoured, and one whose package is missing is an error naming the package', async () => {
  process.env.CELLSCAPE_BACKEND = 'cpu';
  try {
    assert.equal((await initBackend()).name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  } finally {
    delete process.env.CELLSCAPE_BACKEND;
  }
  if (!hasTfjsNode) {
    await assert.rejects(initBackend({ backend: 'tensorflow' }), /backend 'tensorflow' is not available: could not load @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node/);
  }
  assert.equal((await initBackend({ backend: 'wasm' })).name, 'wasm');
});
