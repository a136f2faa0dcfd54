import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crowdingDistance, dominates, nonDominatedSort, paretoFront, type Direction } from '../search/objectives/pareto.ts';
import { createRng } from '../search/util/rng.ts';

const accLat: Direction[] = ['max', 'min'];

test('dominance respects directions, ties and equal points', () => {
  assert.equal(dominates([0.9, 10], [0.8, 12], accLat), true);
  assert.equal(dominates([0.8, 12], [0.9, 10], accLat), false);
  assert.equal(dominates([0.9, 8], [0.9, 10], accLat), true, 'equal accuracy, lower latency');
  assert.equal(dominates([0.9, 10], [0.9, 10], accLat), false, 'a point does not dominate its equal');
  assert.equal(dominates([0.9, 12], [0.8, 10], accLat), false, 'a trade-off');
});

test('non-dominated sort of a hand-checked set with a duplicate', () => {
  //            A          B         C           D (=A)     E         F
  const pts = [[0.9, 10], [0.8, 5], [0.85, 12], [0.9, 10], [0.7, 5], [0.95, 20]];
  assert.deepEqual(nonDominatedSort(pts, accLat), [[0, 1, 3, 5], [2, 4]]);
  assert.deepEqual(paretoFront(pts, accLat), [0, 1, 3, 5]);
});

test('non-dominated sort: empty, one point, a chain', () => {
  assert.deepEqual(nonDominatedSort([], accLat), []);
  assert.deepEqual(paretoFront([], accLat), []);
  assert.deepEqual(nonDominatedSort([[0.5, 3]], accLat), [[0]]);
  assert.deepEqual(nonDominatedSort([[0.7, 3], [0.9, 1], [0.8, 2]], accLat), [[1], [2], [0]]);
  // Three objectives use the NSGA-II sort; same chain.
  assert.deepEqual(nonDominatedSort([[0.7, 3, 3], [0.9, 1, 1], [0.8, 2, 2]], ['max', 'min', 'min']), [[1], [2], [0]]);
});

/** Definition-level reference: repeatedly peel off the points no remaining point dominates. */
function peel(points: number[][], directions: Direction[]): number[][] {
  let left = points.map((_, i) => i);
  const fronts: number[][] = [];
  while (left.length) {
    const front = left.filter((i) => !left.some((j) => dominates(points[j], points[i], directions)));
    fronts.push(front);
    left = left.filter((i) => !front.includes(i));
  }
  return fronts;
}

test('both sorts agree with the definition on random sets full of ties', () => {
  const rng = createRng(7);
  for (let trial = 0; trial < 200; trial++) {
    const k = 2 + (trial % 2);
    const n = rng.int(30);
    const pts = Array.from({ length: n }, () => Array.from({ length: k }, () => rng.int(5)));
    const dirs: Direction[] = Array.from({ length: k }, () => (rng.next() < 0.5 ? 'max' : 'min'));
    assert.deepEqual(nonDominatedSort(pts, dirs), peel(pts, dirs), JSON.stringify({ pts, dirs }));
  }
});

test('crowding distance of a hand-checked front', () => {
  const pts = [[0, 4], [1, 2], [3, 1], [4, 0]];
  const d = crowdingDistance(pts, [0, 1, 2, 3]);
  assert.equal(d[0], Infinity);
  assert.equal(d[3], Infinity);
  assert.equal(d[1], 3 / 4 + 3 / 4);
  assert.equal(d[2], 3 / 4 + 2 / 4);
  assert.deepEqual(crowdingDistance(pts, []), []);
  assert.deepEqual(crowdingDistance(pts, [1]), [Infinity]);
  // No spread in either objective: extremes still infinite, the middle gets nothing.
  assert.deepEqual(crowdingDistance([[1, 1], [1, 1], [1, 1]], [0, 1, 2]).filter((x) => x === 0).length, 1);
});
