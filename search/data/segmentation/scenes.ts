/**
 * Built-in segmentation scenes composed from Fashion-MNIST and MNIST images: a textured
 * background, then a few objects at random positions and scales, each pasted where its (resized)
 * pixels are non-zero. Mask: the object's class where the object is clearly visible, the ignore
 * label on its faint rim, background (0) elsewhere.
 *
 * Variants:
 * - `objects`: 21 classes as in VOC: background, the 10 garments, the 10 digits.
 * - `context`: 5 classes; an object's class is its kind (digit or garment) *and* the texture of the
 *   canvas (stripes or dots), so the same object changes class with the background. Inside an
 *   object nothing local tells the texture: only context from around it does (PSPNet's argument
 *   for pyramid pooling).
 */
import type { Rng } from '../../util/rng.ts';
import type { Split } from '../types.ts';

export type SceneVariant = 'objects' | 'context';
export const SCENE_VARIANTS: readonly SceneVariant[] = ['objects', 'context'];

export const TEXTURES = ['stripes', 'dots', 'checker', 'noise'] as const;
export type Texture = (typeof TEXTURES)[number];
/** The two textures whose choice decides classes in the context variant. */
export const CONTEXT_TEXTURES: readonly Texture[] = ['stripes', 'dots'];

export interface SceneConfig {
  variant: SceneVariant;
  /** Canvas side in pixels (square, one channel). */
  size: number;
  minObjects: number;
  maxObjects: number;
  /** Side of a pasted object, in pixels (sources are 28x28). */
  minScale: number;
  maxScale: number;
  ignoreLabel: number;
}

export const DEFAULT_SCENE_CONFIG: SceneConfig = { variant: 'objects', size: 64, minObjects: 2, maxObjects: 4, minScale: 18, maxScale: 34, ignoreLabel: 255 };

/** Source pixels at or above this are the object; fainter non-zero pixels are its ignored rim. */
export const VISIBLE = 48;
const SRC = 28;

export type ObjectKind = 'garment' | 'digit';

/** Where the objects come from: 28x28 grey images with their class within their kind. */
export interface ObjectSources { garments: Split; digits: Split }

export interface PlacedObject { kind: ObjectKind; sourceClass: number; sourceIndex: number; x: number; y: number; side: number; label: number }

export interface Scene { image: Uint8Array; mask: Uint8Array; background: TextureParams; objects: PlacedObject[] }

export const GARMENTS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export function sceneClassNames(variant: SceneVariant): string[] {
  if (variant === 'context') return ['background', 'digit on stripes', 'digit on dots', 'garment on stripes', 'garment on dots'];
  return ['background', ...GARMENTS, ...Array.from({ length: 10 }, (_, d) => `digit ${d}`)];
}

/** The class of an object: the rule each variant states. */
export function objectLabel(variant: SceneVariant, kind: ObjectKind, sourceClass: number, texture: Texture): number {
  if (variant === 'objects') return kind === 'garment' ? 1 + sourceClass : 11 + sourceClass;
  const t = CONTEXT_TEXTURES.indexOf(texture);
  if (t < 0) throw new Error(`the context variant draws only ${CONTEXT_TEXTURES.join('/')} backgrounds, not ${texture}`);
  return 1 + (kind === 'digit' ? 0 : 2) + t;
}

export interface TextureParams { texture: Texture; period: number; phase: number; low: number; high: number; vertical: boolean }

/** Which backgrounds a set of scenes draws: texture families, and the darker level from [lowMin, lowMin + lowSpread). */
export interface BackgroundStyle { textures: readonly Texture[]; lowMin: number; lowSpread: number }

export function sampleBackground(style: BackgroundStyle, rng: Rng): TextureParams {
  const texture = rng.pick(style.textures);
  const low = style.lowMin + rng.int(style.lowSpread);
  return { texture, period: 4 + rng.int(5), phase: rng.int(8), low, high: low + 50 + rng.int(40), vertical: rng.next() < 0.5 };
}

export function sampleTexture(variant: SceneVariant, rng: Rng): TextureParams {
  return sampleBackground({ textures: variant === 'context' ? CONTEXT_TEXTURES : TEXTURES, lowMin: 10, lowSpread: 30 }, rng);
}

/** The background value at (x, y); noise is a hash of the position and the params, so no state. */
export function texturePixel(p: TextureParams, x: number, y: number): number {
  const u = (p.vertical ? x : y) + p.phase;
  switch (p.texture) {
    case 'stripes': return (u % p.period) < p.period / 2 ? p.high : p.low;
    case 'dots': {
      const dx = ((x + p.phase) % p.period) - p.period / 2, dy = ((y + p.phase) % p.period) - p.period / 2;
      return dx * dx + dy * dy <= (p.period * p.period) / 9 ? p.high : p.low;
    }
    case 'checker': return ((Math.floor((x + p.phase) / p.period) + Math.floor(y / p.period)) & 1) ? p.high : p.low;
    case 'noise': {
      let h = Math.imul(x * 73856093 ^ y * 19349663 ^ p.phase * 83492791, 0x9e3779b1);
      h ^= h >>> 15;
      return p.low + ((h >>> 0) % (p.high - p.low + 1));
    }
  }
}

/** Bilinear resize of a 28x28 uint8 image to side x side (half-pixel centres). */
export function resizeSource(src: Uint8Array, offset: number, side: number): Uint8Array {
  const out = new Uint8Array(side * side);
  const scale = SRC / side;
  for (let y = 0; y < side; y++) {
    const sy = Math.min(SRC - 1, Math.max(0, (y + 0.5) * scale - 0.5));
    const y0 = Math.floor(sy), y1 = Math.min(SRC - 1, y0 + 1), fy = sy - y0;
    for (let x = 0; x < side; x++) {
      const sx = Math.min(SRC - 1, Math.max(0, (x + 0.5) * scale - 0.5));
      const x0 = Math.floor(sx), x1 = Math.min(SRC - 1, x0 + 1), fx = sx - x0;
      const v = (1 - fy) * ((1 - fx) * src[offset + y0 * SRC + x0] + fx * src[offset + y0 * SRC + x1]) +
        fy * ((1 - fx) * src[offset + y1 * SRC + x0] + fx * src[offset + y1 * SRC + x1]);
      out[y * side + x] = Math.round(v);
    }
  }
  return out;
}

/** One scene; later objects cover earlier ones where they have pixels. */
export function composeScene(sources: ObjectSources, cfg: SceneConfig, rng: Rng): Scene {
  const n = cfg.size;
  const tex = sampleTexture(cfg.variant, rng);
  const image = new Uint8Array(n * n);
  const mask = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) image[y * n + x] = texturePixel(tex, x, y);
  const objects: PlacedObject[] = [];
  const count = cfg.minObjects + rng.int(cfg.maxObjects - cfg.minObjects + 1);
  for (let k = 0; k < count; k++) {
    const kind: ObjectKind = rng.next() < 0.5 ? 'garment' : 'digit';
    const split = kind === 'garment' ? sources.garments : sources.digits;
    if (split.count === 0) throw new Error(`no ${kind} images to compose scenes from`);
    const sourceIndex = rng.int(split.count);
    const side = cfg.minScale + rng.int(cfg.maxScale - cfg.minScale + 1);
    const x = rng.int(n - side + 1), y = rng.int(n - side + 1);
    const sourceClass = split.labels[sourceIndex];
    const label = objectLabel(cfg.variant, kind, sourceClass, tex.texture);
    const obj = resizeSource(split.images, sourceIndex * SRC * SRC, side);
    for (let j = 0; j < side; j++) {
      for (let i = 0; i < side; i++) {
        const v = obj[j * side + i];
        if (v === 0) continue;
        const at = (y + j) * n + x + i;
        image[at] = v;
        mask[at] = v >= VISIBLE ? label : cfg.ignoreLabel;
      }
    }
    objects.push({ kind, sourceClass, sourceIndex, x, y, side, label });
  }
  return { image, mask, background: tex, objects };
}
