/**
 * Saves a chart as SVG or PNG. Charts hand over a standalone SVG string (styles inlined), so
 * both exports are vector-faithful; PNG rasterizes that SVG at twice its size.
 */
const EXPORT_STYLE = `
  text { font-family: Inter, "Segoe UI", system-ui, sans-serif; font-size: 11px; fill: #334155; }
  .domain, .tick line { stroke: #94a3b8; }
  .grid line { stroke: #e2e8f0; }
  .grid .domain { display: none; }
`;

export function standaloneSvg(svg: SVGSVGElement, edit?: (clone: SVGSVGElement) => void): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(svg.clientWidth || svg.width.baseVal.value));
  clone.setAttribute('height', String(svg.clientHeight || svg.height.baseVal.value));
  clone.querySelectorAll('[data-export="skip"]').forEach((n) => n.remove());
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = EXPORT_STYLE;
  clone.insertBefore(style, clone.firstChild);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  clone.insertBefore(bg, style.nextSibling);
  edit?.(clone);
  return new XMLSerializer().serializeToString(clone);
}

function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function saveSvg(svgText: string, name: string): void {
  download(new Blob([svgText], { type: 'image/svg+xml' }), `${name}.svg`);
}

export async function savePng(svgText: string, name: string, scale = 2): Promise<void> {
  const img = new Image();
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('could not rasterize the chart'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = img.width * scale;
    canvas.height = img.height * scale;
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
    if (blob) download(blob, `${name}.png`);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function saveJson(value: unknown, name: string): void {
  download(new Blob([JSON.stringify(value, null, 2) + '\n'], { type: 'application/json' }), `${name}.json`);
}
