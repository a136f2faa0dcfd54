/**
 * One few-shot episode of a candidate, small enough to keep in its `extra` JSON for the explorer:
 * the episode's support images with their masks, one query image with its true mask, and the mask
 * the candidate's head predicted for that query from the first k supports of each way, per shot
 * count k. Masks are in the episode's labels (0 background, j + 1 way j, the ignore label kept) and
 * images and masks are encoded as segmentation previews are (seg-preview.ts). The episode is the
 * first of the run's seeded list, so every candidate of a run shows the same one.
 */
export interface FewShotPreview {
  /** The head that answered (prototype, attention). */
  head: string;
  height: number;
  width: number;
  /** 'background', then the class of each way. */
  classNames: string[];
  ignoreLabel: number;
  /** supports[j]: way j's support images and masks, in the order a k-shot answer takes them (the first k). */
  supports: { image: string; mask: string }[][];
  query: { image: string; truth: string };
  predictions: { shots: number; predicted: string }[];
}
