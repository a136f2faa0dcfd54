/**
 * Classification and segmentation metrics on plain arrays. A confusion matrix is the
 * common ground: rows are true classes, columns predictions, accumulated over batches.
 */

/** Index of the largest of each row of `logits` ([n, numClasses] row-major); first wins ties. */
export function argmaxRows(logits: ArrayLike<number>, numClasses: number): Int32Array {
  const n = logits.length / numClasses;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (logits[i * numClasses + k] > logits[i * numClasses + best]) best = k;
    out[i] = best;
  }
  return out;
}

/** Fraction of predictions equal to labels. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) throw new Error(`${predicted.length} predictions for ${labels.length} labels`);
  if (labels.length === 0) return NaN;
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hit++;
  return hit / labels.length;
}

export interface Confusion { numClasses: number; counts: Float64Array }

export function createConfusion(numClasses: number): Confusion {
  return { numClasses, counts: new Float64Array(numClasses * numClasses) };
}

/**
 * Adds predictions to `conf`; positions whose label is `ignoreLabel` (e.g. 255 for
 * unlabelled pixels) are skipped. Labels or predictions outside the classes are an error.
 */
export function addToConfusion(conf: Confusion, predicted: ArrayLike<number>, labels: ArrayLike<number>, ignoreLabel?: number): Confusion {
  const k = conf.numClasses;
  if (predicted.length !== labels.length) throw new Error(`${predicted.length} predictions for ${labels.length} labels`);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    if (t === ignoreLabel) continue;
    const p = predicted[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k)) throw new Error(`position ${i}: label ${t} / prediction ${p} outside 0..${k - 1}`);
    conf.counts[t * k + p]++;
  }
  return conf;
}

function total(conf: Confusion): number {
  return conf.counts.reduce((a, b) => a + b, 0);
}

/** Correct over counted (pixels, for segmentation); NaN when nothing was counted. */
export function pixelAccuracy(conf: Confusion): number {
  let diag = 0;
  for (let c = 0; c < conf.numClasses; c++) diag += conf.counts[c * conf.numClasses + c];
  return diag / total(conf);
}

/** Per class: true positives / (true + false positives + false negatives); NaN for a class absent from both. */
export function classIoU(conf: Confusion): number[] {
  const k = conf.numClasses;
  return Array.from({ length: k }, (_, c) => {
    let row = 0, col = 0;
    for (let j = 0; j < k; j++) { row += conf.counts[c * k + j]; col += conf.counts[j * k + c]; }
    const tp = conf.counts[c * k + c];
    const union = row + col - tp;
    return union > 0 ? tp / union : NaN;
  });
}

/** Mean of the IoU of the classes that occur in labels or predictions. */
export function meanIoU(conf: Confusion): number {
  return nanMean(classIoU(conf));
}

/** Mean over classes present in the labels of the fraction of their pixels predicted right. */
export function meanClassAccuracy(conf: Confusion): number {
  const k = conf.numClasses;
  return nanMean(Array.from({ length: k }, (_, c) => {
    let row = 0;
    for (let j = 0; j < k; j++) row += conf.counts[c * k + j];
    return row > 0 ? conf.counts[c * k + c] / row : NaN;
  }));
}

function nanMean(values: number[]): number {
  const present = values.filter((v) => !Number.isNaN(v));
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : NaN;
}
