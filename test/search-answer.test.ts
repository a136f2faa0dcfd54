import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { answerOf, fullBudget, percentileIn, perRung } from '../search/reference/search-answer.ts';
import { cpuSecondsOfStat } from '../search/util/proc-cpu.ts';

const cand = (id: number, accuracy: number | undefined, status = 'done') => ({ id, status, metrics: accuracy === undefined ? {} : { accuracy } });

test('a fidelity search answers only from its top rung, however good its lower rungs look', () => {
  // Candidate 1 scored best at rung 0 and was never promoted; 2 and 3 reached the top (rung 2); 4 is still running there.
  const candidates = [cand(1, 0.9), cand(2, 0.7), cand(3, 0.75), cand(4, 0.8), cand(5, undefined, 'failed')];
  const rungs = [
    { candidateId: 1, rung: 0, status: 'done' }, { candidateId: 2, rung: 0, status: 'done' }, { candidateId: 3, rung: 0, status: 'done' },
    { candidateId: 4, rung: 0, status: 'done' }, { candidateId: 2, rung: 1, status: 'done' }, { candidateId: 3, rung: 1, status: 'done' },
    { candidateId: 4, rung: 1, status: 'done' }, { candidateId: 2, rung: 2, status: 'done' }, { candidateId: 3, rung: 2, status: 'done' },
    { candidateId: 4, rung: 2, status: 'running' }, { candidateId: 5, rung: 0, status: 'failed' },
  ];
  const full = fullBudget(candidates, rungs, 2);
  assert.deepEqual(full.map((c) => c.id), [2, 3]);
  assert.equal(answerOf(full, 'accuracy')!.id, 3);
  assert.deepEqual(perRung(candidates, rungs, 2, 3), [4, 3, 2]);
});

test('a plain search answers from every done candidate; ties go to the first; nothing measured is no answer', () => {
  const candidates = [cand(1, 0.6), cand(2, 0.8), cand(3, 0.8), cand(4, undefined, 'failed'), cand(5, 0.9, 'running')];
  const full = fullBudget(candidates, [], null);
  assert.deepEqual(full.map((c) => c.id), [1, 2, 3]);
  assert.equal(answerOf(full, 'accuracy')!.id, 2);
  assert.deepEqual(perRung(candidates, [], null, 3), [0, 0, 3]);
  assert.equal(answerOf([cand(6, undefined)], 'accuracy'), null);
  assert.equal(answerOf([], 'accuracy'), null);
});

test('percentile counts the rows beaten, ties half', () => {
  const table = [0.81, 0.82, 0.83, 0.84];
  assert.equal(percentileIn(0.85, table), 100);
  assert.equal(percentileIn(0.80, table), 0);
  assert.equal(percentileIn(0.83, table), 62.5);
  assert.throws(() => percentileIn(0.5, []), /empty/);
});

test('CPU seconds come from utime + stime of a stat line, whatever the command name holds', () => {
  // Fields 14 and 15 (utime, stime) are 250 and 50 ticks; the name has a space and a ')'.
  const line = '4242 (node a) b) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 500 1000 200';
  assert.equal(cpuSecondsOfStat(line, 100), 3);
  assert.throws(() => cpuSecondsOfStat('garbage', 100), /not a \/proc stat line/);
  // This process's own line: what it has spent so far, as Node counts it (ticks round down to 1/100 s).
  const own = cpuSecondsOfStat(readFileSync('/proc/self/stat', 'utf8'), 100);
  const usage = process.cpuUsage();
  const node = (usage.user + usage.system) / 1e6;
  assert.ok(own > 0 && own <= node + 0.02 && own > node - 0.2, `stat ${own} s vs process.cpuUsage ${node} s`);
});
