/**
 * Class masks of the previews (encoded by search/contracts/seg-preview.ts: class bytes, deflated,
 * base64) painted on canvases: one colour per class, background dark, the ignore label grey.
 */
import * as d3 from 'd3';

export const IGNORE_COLOUR = '#9ca3af';

/** A colour per class name: background (class 0) dark, then Tableau 10. */
export function classPalette(classNames: readonly string[]): string[] {
  return classNames.map((_, k) => (k === 0 ? '#1e293b' : d3.schemeTableau10[(k - 1) % 10]));
}

async function inflate(base64: string): Promise<Uint8Array> {
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface MaskStyle { width: number; height: number; ignoreLabel: number; palette: string[] }

/** A Svelte action painting the encoded mask it is given on its canvas (marked data-painted when done). */
export function maskAction(style: () => MaskStyle) {
  const paint = async (canvas: HTMLCanvasElement, encoded: string) => {
    const { width, height, ignoreLabel, palette } = style();
    const classes = await inflate(encoded);
    const ctx = canvas.getContext('2d')!;
    const img = ctx.createImageData(width, height);
    const rgb = palette.map((c) => d3.rgb(c));
    const grey = d3.rgb(IGNORE_COLOUR);
    for (let i = 0; i < classes.length; i++) {
      const c = classes[i] === ignoreLabel ? grey : rgb[classes[i]] ?? grey;
      img.data.set([c.r, c.g, c.b, 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
    canvas.dataset.painted = 'true';
  };
  return (canvas: HTMLCanvasElement, encoded: string) => {
    void paint(canvas, encoded);
    return { update: (next: string) => void paint(canvas, next) };
  };
}
