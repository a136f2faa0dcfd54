/**
 * A few validation images of a segmentation candidate with their ground-truth and predicted
 * masks, small enough to keep in the candidate's `extra` JSON for the explorer: the image as a
 * PNG data URL, each mask as its class bytes (one per pixel, row-major) deflated and in base64
 * (a scene mask is a few hundred bytes so; a browser inflates it with DecompressionStream).
 * Pure encoding here, shared by the evaluator that predicts the masks (search/evaluate/seg-proxy.ts)
 * and the explorer that shows them.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';

export interface SegPreviewSample {
  /** data:image/png;base64,... */
  image: string;
  /** Deflated (zlib) class bytes, base64. */
  truth: string;
  predicted: string;
}

export interface SegPreview {
  height: number;
  width: number;
  classNames: string[];
  /** Pixels with this label are not scored (shown grey). */
  ignoreLabel: number;
  samples: SegPreviewSample[];
}

export const PREVIEW_SAMPLES = 3;

/** One image (HWC uint8, 1 or 3 channels) as a PNG data URL. */
export function encodeImage(image: Uint8Array, channels: number, height: number, width: number): string {
  const px = height * width;
  if (image.length !== px * channels) throw new Error(`segmentation preview: ${height}x${width}x${channels} image needs ${px * channels} bytes, got ${image.length}`);
  // A grey image stays grey (PNG colour type 0): a third of the bytes of RGB (type 2).
  const colorType = channels === 3 ? 2 : 0;
  const png = new PNG({ width, height, colorType });
  for (let i = 0; i < px; i++) {
    for (let c = 0; c < 3; c++) png.data[i * 4 + c] = image[i * channels + (channels === 3 ? c : 0)];
    png.data[i * 4 + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png, { colorType }).toString('base64')}`;
}

/** One mask (HW class bytes), deflated and in base64. */
export function encodeMask(mask: Uint8Array, height: number, width: number): string {
  if (mask.length !== height * width) throw new Error(`segmentation preview: a ${height}x${width} mask needs ${height * width} bytes, got ${mask.length}`);
  return deflateSync(mask, { level: 9 }).toString('base64');
}

/** Packs one image (HWC uint8, 1 or 3 channels) and its masks (HW class bytes). */
export function encodeSegSample(image: Uint8Array, channels: number, truth: Uint8Array, predicted: Uint8Array, height: number, width: number): SegPreviewSample {
  return { image: encodeImage(image, channels, height, width), truth: encodeMask(truth, height, width), predicted: encodeMask(predicted, height, width) };
}

/** The class bytes of an encoded mask (tests, and any Node reader). */
export function decodeMask(encoded: string): Uint8Array {
  return new Uint8Array(inflateSync(Buffer.from(encoded, 'base64')));
}
