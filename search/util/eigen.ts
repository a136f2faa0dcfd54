/**
 * Eigenvalues of a real symmetric matrix by cyclic Jacobi rotations, in float64: small (the
 * batch-by-batch matrices of the zero-cost proxies), dependency-free, and accurate to rounding
 * for every eigenvalue, the tiny ones included.
 */

/** The eigenvalues of the symmetric n×n matrix `m` (row-major; only its symmetry is assumed), unsorted. */
export function symmetricEigenvalues(m: ArrayLike<number>, n: number, maxSweeps = 64): Float64Array {
  if (m.length !== n * n) throw new Error(`symmetricEigenvalues: ${m.length} entries for a ${n}x${n} matrix`);
  const a = Float64Array.from(m);
  const total = a.reduce((s, v) => s + v * v, 0);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= total * 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation that zeroes a[p][q] (Numerical Recipes' choice of the smaller angle).
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const kp = a[k * n + p], kq = a[k * n + q];
          a[k * n + p] = c * kp - s * kq;
          a[k * n + q] = s * kp + c * kq;
        }
        for (let k = 0; k < n; k++) {
          const pk = a[p * n + k], qk = a[q * n + k];
          a[p * n + k] = c * pk - s * qk;
          a[q * n + k] = s * pk + c * qk;
        }
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => a[i * n + i]);
}
