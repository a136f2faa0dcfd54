/**
 * Two domains of garment scenes for domain-shift segmentation, with one label space (background
 * and the 10 Fashion-MNIST classes) and different looks:
 * - `source`: the garments as photographed (Fashion-MNIST's grey levels) on dark stripes or dots;
 * - `target`: the same kinds of garment drawn in MNIST's pen style (a 2-pixel white outline of the
 *   silhouette over a faint fill that lets the background through) on brighter checkers or noise.
 * A mask labels the garment's silhouette in both: where its source pixel is clearly visible, the
 * ignore label on the faint rim, background elsewhere; so a pixel's class never depends on the
 * domain, only its appearance does. Pure functions of the sources, the style and the generator.
 */
import type { Rng } from '../../util/rng.ts';
import type { Split } from '../types.ts';
import { GARMENTS, resizeSource, sampleBackground, texturePixel, VISIBLE, type BackgroundStyle, type SceneConfig, type TextureParams } from './scenes.ts';

export const DOMAIN_NAMES = ['source', 'target'] as const;
export type DomainName = (typeof DOMAIN_NAMES)[number];

/** Backgrounds (texture families disjoint between the two domains) and how garments are drawn. */
export interface DomainStyle extends BackgroundStyle {
  objects: 'filled' | 'outline';
}

export const DOMAIN_STYLES: Record<DomainName, DomainStyle> = {
  source: { textures: ['stripes', 'dots'], lowMin: 10, lowSpread: 30, objects: 'filled' },
  target: { textures: ['checker', 'noise'], lowMin: 70, lowSpread: 40, objects: 'outline' },
};

export const DOMAIN_CLASS_NAMES: readonly string[] = ['background', ...GARMENTS];

/** Grey level of the pen that draws target outlines, and the share of the garment's own grey in the fill inside them. */
const PEN = 255;
const FILL = 0.3;

export interface DomainScene { image: Uint8Array; mask: Uint8Array; background: TextureParams; labels: number[] }

/** Pixels of a side x side silhouette on its boundary (a 4-neighbour outside it), thickened by one pixel. */
function outlineOf(silhouette: Uint8Array, side: number): Uint8Array {
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < side && y < side && silhouette[y * side + x] === 1;
  const edge = new Uint8Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (inside(x, y) && !(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1))) edge[y * side + x] = 1;
    }
  }
  const stroke = new Uint8Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (!inside(x, y)) continue;
      for (let dy = -1; dy <= 1 && !stroke[y * side + x]; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const u = x + dx, v = y + dy;
          if (u >= 0 && v >= 0 && u < side && v < side && edge[v * side + u]) { stroke[y * side + x] = 1; break; }
        }
      }
    }
  }
  return stroke;
}

/** One scene of a domain; later garments cover earlier ones where they have pixels. */
export function composeDomainScene(garments: Split, cfg: SceneConfig, style: DomainStyle, rng: Rng): DomainScene {
  if (garments.count === 0) throw new Error('no garment images to compose domain scenes from');
  const n = cfg.size;
  const background = sampleBackground(style, rng);
  const image = new Uint8Array(n * n);
  const mask = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) image[y * n + x] = texturePixel(background, x, y);
  const labels: number[] = [];
  const count = cfg.minObjects + rng.int(cfg.maxObjects - cfg.minObjects + 1);
  for (let k = 0; k < count; k++) {
    const index = rng.int(garments.count);
    const side = cfg.minScale + rng.int(cfg.maxScale - cfg.minScale + 1);
    const x0 = rng.int(n - side + 1), y0 = rng.int(n - side + 1);
    const label = 1 + garments.labels[index];
    const obj = resizeSource(garments.images, index * 28 * 28, side);
    const silhouette = obj.map((v) => (v >= VISIBLE ? 1 : 0));
    const stroke = style.objects === 'outline' ? outlineOf(silhouette, side) : null;
    for (let j = 0; j < side; j++) {
      for (let i = 0; i < side; i++) {
        const v = obj[j * side + i];
        if (v === 0) continue;
        const at = (y0 + j) * n + x0 + i;
        if (!stroke) image[at] = v;
        else if (stroke[j * side + i]) image[at] = PEN;
        else if (silhouette[j * side + i]) image[at] = Math.round(FILL * v + (1 - FILL) * texturePixel(background, x0 + i, y0 + j));
        mask[at] = silhouette[j * side + i] ? label : cfg.ignoreLabel;
      }
    }
    labels.push(label);
  }
  return { image, mask, background, labels };
}
