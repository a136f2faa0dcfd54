import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracy, addToConfusion, argmaxRows, classIoU, createConfusion, meanClassAccuracy, meanIoU, pixelAccuracy } from '../search/data/metrics.ts';

test('argmax and top-1 accuracy', () => {
  const logits = [0.1, 0.7, 0.2, /**/ 3, -1, 2, /**/ 0, 0, 5, /**/ 1, 1, 0];
  const pred = argmaxRows(logits, 3);
  assert.deepEqual([...pred], [1, 0, 2, 0]);
  assert.equal(accuracy(pred, [1, 2, 2, 0]), 0.75);
  assert.throws(() => accuracy([1], [1, 2]), /1 predictions for 2 labels/);
});

test('confusion, pixel accuracy and mean IoU skip the ignore label', () => {
  // true:  0 0 1 1 2 ignore     pred: 0 1 1 1 0 2
  // class 0: tp 1, fn 1, fp 1 -> 1/3; class 1: tp 2, fp 1 -> 2/3; class 2: tp 0, fn 1 -> 0.
  const conf = addToConfusion(createConfusion(3), [0, 1, 1, 1, 0, 2], [0, 0, 1, 1, 2, 255], 255);
  assert.deepEqual([...conf.counts], [1, 1, 0, 0, 2, 0, 1, 0, 0]);
  const iou = classIoU(conf);
  assert.ok(Math.abs(iou[0] - 1 / 3) < 1e-12 && Math.abs(iou[1] - 2 / 3) < 1e-12 && iou[2] === 0);
  assert.ok(Math.abs(meanIoU(conf) - 1 / 3) < 1e-12);
  assert.equal(pixelAccuracy(conf), 3 / 5);
  assert.ok(Math.abs(meanClassAccuracy(conf) - (1 / 2 + 1 + 0) / 3) < 1e-12);
});

test('a class absent from labels and predictions does not count in the mean', () => {
  const conf = createConfusion(4);
  // Two batches accumulate into one matrix.
  addToConfusion(conf, [0, 0], [0, 0]);
  addToConfusion(conf, [1, 2], [1, 1]);
  const iou = classIoU(conf);
  assert.ok(Number.isNaN(iou[3]));
  assert.equal(iou[0], 1);
  assert.equal(iou[1], 1 / 2);
  assert.equal(iou[2], 0);
  assert.ok(Math.abs(meanIoU(conf) - 0.5) < 1e-12);
});

test('labels outside the classes are an error, not silently dropped', () => {
  assert.throws(() => addToConfusion(createConfusion(2), [0, 1], [0, 7]), /position 1: label 7/);
});
