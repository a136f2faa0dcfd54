/**
 * Pareto dominance and non-dominated sorting over objective vectors with a direction per
 * objective. Everything is a pure function of its inputs; fronts are lists of indices into
 * the input so that callers keep their own records.
 */
export type Direction = 'max' | 'min';

/** The vector rewritten so that every objective is minimized (maximized ones negated). */
export function toMinimization(values: readonly number[], directions: readonly Direction[]): number[] {
  if (values.length !== directions.length) {
    throw new Error(`objective vector has ${values.length} values but ${directions.length} directions`);
  }
  return values.map((v, i) => (directions[i] === 'max' ? -v : v));
}

/** a dominates b: no worse in every objective and strictly better in at least one (both minimized). */
export function dominatesMin(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

export function dominates(a: readonly number[], b: readonly number[], directions: readonly Direction[]): boolean {
  return dominatesMin(toMinimization(a, directions), toMinimization(b, directions));
}

/**
 * Non-dominated sorting: fronts[0] holds the non-dominated points, fronts[1] those dominated
 * only by fronts[0], and so on. Equal vectors never dominate each other and share a front.
 * Two objectives use an O(n log n) sweep; more use NSGA-II's fast non-dominated sort, O(k n²).
 */
export function nonDominatedSort(points: readonly (readonly number[])[], directions: readonly Direction[]): number[][] {
  const min = points.map((p) => toMinimization(p, directions));
  if (directions.length === 2) return sort2d(min);
  return fastNonDominatedSort(min);
}

/** Indices of the non-dominated points. */
export function paretoFront(points: readonly (readonly number[])[], directions: readonly Direction[]): number[] {
  return points.length === 0 ? [] : nonDominatedSort(points, directions)[0];
}

/**
 * Sweep in (f1, f2) order: a point can only be dominated by points before it. Each front keeps
 * the earliest point with its smallest f2 ("holder"); the holders grow strictly in (f2, f1)
 * order from front to front, so the first front that does not dominate a point is found by
 * binary search. A front dominates p iff its holder is lexicographically below (p.f2, p.f1).
 */
function sort2d(min: number[][]): number[][] {
  const order = min.map((_, i) => i).sort((i, j) => min[i][0] - min[j][0] || min[i][1] - min[j][1]);
  const fronts: number[][] = [];
  const holders: number[][] = [];
  const below = (h: number[], p: number[]) => h[1] < p[1] || (h[1] === p[1] && h[0] < p[0]);
  for (const i of order) {
    const p = min[i];
    let lo = 0;
    let hi = fronts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (below(holders[mid], p)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === fronts.length) {
      fronts.push([i]);
      holders.push(p);
    } else {
      fronts[lo].push(i);
      if (p[1] < holders[lo][1]) holders[lo] = p;
    }
  }
  return fronts.map((f) => f.sort((a, b) => a - b));
}

function fastNonDominatedSort(min: number[][]): number[][] {
  const n = min.length;
  const dominatedBy = Array.from({ length: n }, () => [] as number[]);
  const count = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominatesMin(min[i], min[j])) { dominatedBy[i].push(j); count[j]++; }
      else if (dominatesMin(min[j], min[i])) { dominatedBy[j].push(i); count[i]++; }
    }
  }
  const fronts: number[][] = [];
  let current = [];
  for (let i = 0; i < n; i++) if (count[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominatedBy[i]) if (--count[j] === 0) next.push(j);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * NSGA-II crowding distance of each member of one front (same order as `front`): the sum over
 * objectives of the normalized gap between its two neighbours; the extremes get Infinity.
 * An objective with no spread on the front contributes nothing.
 */
export function crowdingDistance(points: readonly (readonly number[])[], front: readonly number[]): number[] {
  const m = front.length;
  const dist = new Array<number>(m).fill(0);
  if (m === 0) return dist;
  const k = points[front[0]].length;
  for (let o = 0; o < k; o++) {
    const order = front.map((_, i) => i).sort((a, b) => points[front[a]][o] - points[front[b]][o]);
    const lo = points[front[order[0]]][o];
    const hi = points[front[order[m - 1]]][o];
    dist[order[0]] = Infinity;
    dist[order[m - 1]] = Infinity;
    if (hi === lo) continue;
    for (let r = 1; r < m - 1; r++) {
      dist[order[r]] += (points[front[order[r + 1]]][o] - points[front[order[r - 1]]][o]) / (hi - lo);
    }
  }
  return dist;
}
