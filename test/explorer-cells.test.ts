/**
 * Op labels in the cell diagrams (CellGraph, laid out by explorer/app/lib/cells.ts): on a cell of
 * 3 nodes the edges from both inputs into one column cross, and the labels at their middles
 * overlapped. For every DARTS cell of 2 and 3 nodes (every pair of inputs per node) with the
 * longest op names, no label covers another label or a node, and each stays by its own curve.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dartsCell, edgeShapes, labelWidth, LABEL_H } from '../explorer/app/lib/cells.ts';

/** Every genotype of `nodes` nodes: node i takes two distinct inputs of the i + 2 before it. */
function* topologies(nodes: number, acc: [number, number][] = []): Generator<[number, number][]> {
  if (acc.length === nodes) { yield acc; return; }
  const i = acc.length;
  for (let a = 0; a < i + 2; a++) for (let b = a + 1; b < i + 2; b++) yield* topologies(nodes, [...acc, [a, b]]);
}

/** The point at t of the quadratic in an SVG path "M x1,y1 Q mx,my x2,y2". */
function curveAt(d: string, t: number): { x: number; y: number } {
  const [x1, y1, mx, my, x2, y2] = d.match(/-?[\d.]+/g)!.map(Number);
  return { x: (1 - t) ** 2 * x1 + 2 * (1 - t) * t * mx + t * t * x2, y: (1 - t) ** 2 * y1 + 2 * (1 - t) * t * my + t * t * y2 };
}

test('cell diagrams of 2 and 3 nodes: no op label covers another or a node, and each sits by its edge', () => {
  let cells = 0;
  for (const nodes of [2, 3]) {
    for (const inputs of topologies(nodes)) {
      const ops = inputs.flatMap(([a, b]) => [['sep_conv_3x3', a], ['dil_conv_5x5', b]] as [string, number][]);
      const g = dartsCell({ normal: ops, reduce: ops }, 'normal');
      const shapes = edgeShapes(g);
      assert.equal(shapes.length, g.edges.length);
      const labels = g.edges.flatMap((e, k) => (e.op ? [{ x: shapes[k].lx, y: shapes[k].ly, w: labelWidth(e.op), d: shapes[k].d, name: `${e.from}→${e.to}` }] : []));
      assert.equal(labels.length, 2 * nodes);
      const where = JSON.stringify(inputs);
      for (const [i, p] of labels.entries()) {
        for (const q of labels.slice(i + 1)) {
          const apart = Math.abs(p.x - q.x) >= (p.w + q.w) / 2 || Math.abs(p.y - q.y) >= LABEL_H;
          assert.ok(apart, `${where}: labels of ${p.name} and ${q.name} overlap`);
        }
        for (const n of g.nodes) {
          const apart = Math.abs(p.x - n.x) >= (p.w + 52) / 2 || Math.abs(p.y - n.y) >= (LABEL_H + 30) / 2;
          assert.ok(apart, `${where}: the label of ${p.name} covers node ${n.id}`);
        }
        // By its edge: within two label heights of some point of its own curve.
        const near = Array.from({ length: 51 }, (_, k) => curveAt(p.d, k / 50)).some((c) => Math.hypot(c.x - p.x, c.y - p.y) <= 2 * LABEL_H);
        assert.ok(near, `${where}: the label of ${p.name} strays from its edge`);
      }
      cells++;
    }
  }
  assert.equal(cells, 3 + 18);
});
