/**
 * The explorer's axes on a short run, as reviewers met them: a 2-epoch DARTS run's epoch axes
 * ticked "0 0 0 1 1 1" and a flat accuracy axis read "3% 3% 3%". The tick helpers, as pure functions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as d3 from 'd3';
import { fixedTicks, integerTicks, percentTicks, tickLabels } from '../explorer/app/lib/scales.ts';

const distinct = (xs: string[]) => new Set(xs).size === xs.length;

test('integer ticks: whole numbers only, none twice, every one of a short range', () => {
  for (const [domain, count] of [[[0, 1], 5], [[1, 2], 6], [[0, 3], 10], [[1, 7], 4], [[0, 120], 5], [[2, 2], 5]] as [number[], number][]) {
    const t = integerTicks(domain, count);
    assert.ok(t.length > 0, `${domain}`);
    assert.ok(t.every(Number.isInteger), `${domain}: ${t}`);
    assert.ok(distinct(t.map(String)), `${domain}: ${t}`);
    assert.ok(t.every((v) => v >= Math.min(...domain) && v <= Math.max(...domain)), `${domain}: ${t}`);
    // While d3 ticks finer than 1, every integer of the range is a tick.
    if (d3.tickStep(domain[0], domain[1], count) < 1) assert.deepEqual(t, d3.range(Math.ceil(domain[0]), Math.floor(domain[1]) + 1), `${domain}`);
  }
  // Reversed domains (a y axis) tick the same integers.
  assert.deepEqual(integerTicks([3, 0], 10), integerTicks([0, 3], 10));
});

test('percent and fixed tick labels take the decimals their ticks need, and no more', () => {
  // A flat curve at 3%: the padded domain LineChart draws ticks a tenth of a percent apart.
  for (const [lo, hi, count] of [[0.0282, 0.0318, 5], [0.09, 0.13, 5], [0.5, 0.50004, 5], [0.1, 0.9, 5]]) {
    const ticks = d3.scaleLinear().domain([lo, hi]).nice().ticks(count);
    const labels = ticks.map((v) => percentTicks()(v, ticks));
    assert.ok(distinct(labels), `${lo}–${hi}: ${labels}`);
    // Each label is its tick, rounded to the decimals it shows.
    labels.forEach((l, i) => assert.equal(l, `${(100 * ticks[i]).toFixed(/\.(\d+)%$/.exec(l)?.[1].length ?? 0)}%`));
  }
  // A wide axis keeps whole percents; softmax weights keep two decimals until the ticks are closer.
  const wide = d3.ticks(0.1, 0.9, 5);
  assert.ok(wide.map((v) => percentTicks()(v, wide)).every((l) => /^\d+%$/.test(l)));
  assert.deepEqual(wide.map((v) => fixedTicks(2)(v, wide)), wide.map((v) => v.toFixed(2)));
  const uniform = d3.scaleLinear().domain([0.1246, 0.1254]).nice().ticks(5);
  assert.ok(distinct(uniform.map((v) => fixedTicks(2)(v, uniform))), `${uniform}`);
  // One tick, or none: the minimum.
  assert.equal(percentTicks(1)(0.03, [0.03]), '3.0%');
});

test('tick labels: a format that repeats itself leaves the repeat blank', () => {
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  assert.deepEqual(tickLabels(ticks, d3.format('d')), ['0', '', '', '1', '', '']);
  assert.deepEqual(tickLabels(ticks, (v) => v.toFixed(1)), ticks.map((v) => v.toFixed(1)));
  // The format sees every tick of the axis.
  assert.deepEqual(tickLabels([0.029, 0.03, 0.031], percentTicks()), ['2.9%', '3.0%', '3.1%']);
});
