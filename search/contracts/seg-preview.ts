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

/** Packs one image (HWC uint8, 1 or 3 channels) and its masks (HW class bytes). */
export function encodeSegSample(image: Uint8Array, channels: number, truth: Uint8Array, predicted: Uint8Array, height: number, width: number): SegPreviewSample {
  const px = height * width;
  if (image.length !== px * channels || truth.length !== px || predicted.length !== px) {
    throw new Error(`segmentation preview: ${height}x${width}x${channels} image needs ${px * channels} bytes and masks ${px}, got ${image.length}, ${truth.length}, ${predicted.length}`);
  }
  const png = new PNG({ width, height, colorType: 2 });
  for (let i = 0; i < px; i++) {
    for (let c = 0; c < 3; c++) png.data[i * 4 + c] = image[i * channels + (channels === 3 ? c : 0)];
    png.data[i * 4 + 3] = 255;
  }
  const mask = (m: Uint8Array) => deflateSync(m, { level: 9 }).toString('base64');
  return { image: `data:image/png;base64,${PNG.sync.write(png, { colorType: 2 }).toString('base64')}`, truth: mask(truth), predicted: mask(predicted) };
}

/** The class bytes of an encoded mask (tests, and any Node reader). */
export function decodeMask(encoded: string): Uint8Array {
  return new Uint8Array(inflateSync(Buffer.from(encoded, 'base64')));
}
