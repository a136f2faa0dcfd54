/**
 * Turns genotypes into drawable graphs: DARTS cells (inputs c_{k-2}, c_{k-1}, nodes 0..n-1,
 * output c_{k}) and NAS-Bench-201 cells, laid out left to right by longest path from the inputs.
 */
export interface GNode { id: string; label: string; kind: 'input' | 'node' | 'output'; x: number; y: number }
export interface GEdge { from: string; to: string; op: string | null }
export interface Graph { nodes: GNode[]; edges: GEdge[]; width: number; height: number }

export type Family = 'cell' | 'tabular' | 'block' | 'unknown';

export function familyOf(g: unknown): Family {
  if (g && typeof g === 'object') {
    if (Array.isArray((g as { normal?: unknown }).normal)) return 'cell';
    if (Array.isArray((g as { nodes?: unknown }).nodes)) return 'tabular';
    if (Array.isArray((g as { stages?: unknown }).stages)) return 'block';
  }
  return 'unknown';
}

const COL = 150;
const ROW = 74;
const PAD = 40;

function layout(nodes: Omit<GNode, 'x' | 'y'>[], edges: GEdge[]): Graph {
  const layer = new Map<string, number>();
  const incoming = (id: string) => edges.filter((e) => e.to === id).map((e) => e.from);
  const depth = (id: string, seen = new Set<string>()): number => {
    if (layer.has(id)) return layer.get(id)!;
    if (seen.has(id)) return 0;
    seen.add(id);
    const ins = incoming(id);
    const d = ins.length === 0 ? 0 : 1 + Math.max(...ins.map((i) => depth(i, seen)));
    layer.set(id, d);
    return d;
  };
  nodes.forEach((n) => depth(n.id));
  const maxLayer = Math.max(0, ...nodes.filter((n) => n.kind !== 'output').map((n) => layer.get(n.id)!));
  for (const n of nodes) if (n.kind === 'output') layer.set(n.id, maxLayer + 1);
  const byLayer = new Map<number, typeof nodes>();
  for (const n of nodes) {
    const l = layer.get(n.id)!;
    byLayer.set(l, [...(byLayer.get(l) ?? []), n]);
  }
  const tallest = Math.max(...[...byLayer.values()].map((v) => v.length));
  const height = PAD * 2 + (tallest - 1) * ROW;
  const placed: GNode[] = [];
  for (const [l, ns] of byLayer) {
    const top = height / 2 - ((ns.length - 1) * ROW) / 2;
    ns.forEach((n, k) => placed.push({ ...n, x: PAD + 20 + l * COL, y: top + k * ROW }));
  }
  return { nodes: placed, edges, width: PAD * 2 + 40 + (maxLayer + 1) * COL, height };
}

/** An op label's box: the text at about 6.2 px a character in the 10.5 px monospace of CellGraph, plus a margin. */
export const LABEL_H = 16;
export const labelWidth = (op: string): number => op.length * 6.2 + 8;
/** A node's box in CellGraph. */
const NODE_W = 52;
const NODE_H = 30;

export interface EdgeShape { d: string; lx: number; ly: number }

/** Where along its curve a label may sit, the middle first; and how far above or below it, if nowhere on it is free. */
const LABEL_TS = [0.5, 0.6, 0.4, 0.7, 0.3];
const LABEL_DYS = [0, -6, 6, -12, 12, -18, 18, -24, 24];

/**
 * Each edge's curve (a quadratic from the right of its source to the left of its target) and
 * where its op's label sits. Edges between the same two nodes, and edges that skip a layer, bow
 * apart. Labels are placed one by one at the free place nearest their curve's middle: along the
 * curve first, then a little above or below it, so that no label covers a node or a label
 * placed before it (on cells of 3 and more nodes the edges from both inputs into one column
 * cross, and the labels at their middles overlapped). Where no place is free, the least covered.
 */
export function edgeShapes(graph: Graph): EdgeShape[] {
  const pos = new Map(graph.nodes.map((n) => [n.id, n]));
  type Box = { x: number; y: number; w: number; h: number };
  const boxes: Box[] = graph.nodes.map((n) => ({ x: n.x, y: n.y, w: NODE_W, h: NODE_H }));
  const overlap = (p: Box, q: Box) =>
    Math.max(0, (p.w + q.w) / 2 - Math.abs(p.x - q.x)) * Math.max(0, (p.h + q.h) / 2 - Math.abs(p.y - q.y));
  return graph.edges.map((e) => {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    const twins = graph.edges.filter((o) => o.from === e.from && o.to === e.to);
    // Edges that skip a layer bow away from the middle so they do not cross the nodes between.
    const span = Math.round((b.x - a.x) / COL);
    const away = span > 1 && e.op ? (a.y + b.y <= graph.height ? -1 : 1) * 34 * (span - 1) : 0;
    const bend = (twins.indexOf(e) - (twins.length - 1) / 2) * 40 + away;
    const x1 = a.x + NODE_W / 2, y1 = a.y, x2 = b.x - NODE_W / 2, y2 = b.y;
    const mx = (x1 + x2) / 2, my = (y1 + y2) / 2 + bend;
    const at = (t: number) => ({ x: (1 - t) ** 2 * x1 + 2 * (1 - t) * t * mx + t * t * x2, y: (1 - t) ** 2 * y1 + 2 * (1 - t) * t * my + t * t * y2 });
    const d = `M${x1},${y1} Q${mx},${my} ${x2},${y2}`;
    if (!e.op) return { d, lx: at(0.5).x, ly: at(0.5).y };
    const w = labelWidth(e.op);
    let best: { box: Box; cost: number } | null = null;
    for (const dy of LABEL_DYS) {
      for (const t of LABEL_TS) {
        const p = at(t);
        const box = { x: p.x, y: p.y + dy, w, h: LABEL_H };
        const cost = boxes.reduce((c, q) => c + overlap(box, q), 0);
        if (!best || cost < best.cost) best = { box, cost };
        if (cost === 0) break;
      }
      if (best!.cost === 0) break;
    }
    boxes.push(best!.box);
    return { d, lx: best!.box.x, ly: best!.box.y };
  });
}

interface DartsLike { normal: [string, number][]; normal_concat?: number[]; reduce: [string, number][]; reduce_concat?: number[] }

/** One cell (normal or reduce) of a DARTS genotype: two edges per node, inputs 0,1 = previous cells. */
export function dartsCell(g: DartsLike, which: 'normal' | 'reduce'): Graph {
  const list = g[which];
  const n = Math.ceil(list.length / 2);
  const name = (input: number) => (input === 0 ? 'c_{k-2}' : input === 1 ? 'c_{k-1}' : String(input - 2));
  const nodes: Omit<GNode, 'x' | 'y'>[] = [
    { id: 'c_{k-2}', label: 'c_{k-2}', kind: 'input' },
    { id: 'c_{k-1}', label: 'c_{k-1}', kind: 'input' },
    ...Array.from({ length: n }, (_, i) => ({ id: String(i), label: String(i), kind: 'node' as const })),
    { id: 'c_{k}', label: 'c_{k}', kind: 'output' },
  ];
  const edges: GEdge[] = list.map(([op, input], k) => ({ from: name(input), to: String(Math.floor(k / 2)), op }));
  const concat = g[`${which}_concat`] ?? Array.from({ length: n }, (_, i) => i + 2);
  for (const c of concat) edges.push({ from: name(c), to: 'c_{k}', op: null });
  return layout(nodes, edges);
}

/** A NAS-Bench-201 cell: nodes[i] holds the op on the edge from each earlier node into node i+1. */
export function tabularCell(g: { nodes: string[][] }): Graph {
  const last = g.nodes.length;
  const nodes: Omit<GNode, 'x' | 'y'>[] = Array.from({ length: last + 1 }, (_, i) => ({
    id: String(i), label: String(i), kind: i === 0 ? 'input' : i === last ? 'output' : 'node',
  }));
  const edges: GEdge[] = [];
  g.nodes.forEach((ops, i) => ops.forEach((op, j) => { if (op !== 'none') edges.push({ from: String(j), to: String(i + 1), op }); }));
  return layout(nodes, edges);
}

/** One colour per operation: convolutions in blues and ambers, pooling in greys, identity green. */
const OP_COLORS: Record<string, string> = {
  none: '#cbd5e1', zero: '#cbd5e1',
  max_pool_3x3: '#94a3b8', avg_pool_3x3: '#5b6b82',
  skip_connect: '#2f855a', identity: '#2f855a',
  sep_conv_3x3: '#1f6f8b', sep_conv_5x5: '#63a8c2', sep_conv_7x7: '#9cc9d9',
  dil_conv_3x3: '#b7791f', dil_conv_5x5: '#d9480f',
  nor_conv_1x1: '#7c3aed', nor_conv_3x3: '#1f6f8b',
  conv: '#2b6cb0', mbconv: '#1f6f8b', attention: '#b7791f', window_attention: '#c026d3',
};

export function opColor(op: string | null): string {
  if (!op) return '#94a3b8';
  if (OP_COLORS[op]) return OP_COLORS[op];
  if (op.includes('pool')) return '#8a94a6';
  if (op.includes('attn') || op.includes('attention')) return '#b7791f';
  if (op.includes('conv')) return '#2b6cb0';
  return '#7c3aed';
}

/** c_{k-2} → cₖ₋₂, for plain-text labels. */
export function prettyNode(label: string): string {
  return label.replace('c_{k-2}', 'cₖ₋₂').replace('c_{k-1}', 'cₖ₋₁').replace('c_{k}', 'cₖ');
}

const HEAD_NAMES: Record<string, string> = { ppm: 'PPM', fpn: 'FPN', upernet: 'UperNet', pup: 'SETR-PUP', mask: 'Mask-T', upsample: 'upsample' };

/**
 * The lines of a segmentation genotype's head box in the block strip: head, output stride, spatial
 * path (and its context path); null for genotypes without a head choice (classification).
 */
export function segHeadLines(g: { head?: string; outputStride?: number; spatialPath?: boolean; contextPath?: string }): string[] | null {
  if (!g.head) return null;
  return [
    HEAD_NAMES[g.head] ?? g.head,
    `1/${g.outputStride ?? 32}`,
    ...(g.spatialPath ? [g.contextPath === 'arm' ? 'SP+ARM' : 'SP'] : []),
  ];
}
