/*
 * Convolution gradients for the TensorFlow.js wasm backend, which lacks them (or, for
 * Conv2DBackpropInput, has only a slow scalar one). Built by build-kernels.sh into
 * kernels.wasm, which imports the backend's own WebAssembly.Memory: tensors are read and
 * written in place at their heap offsets, so nothing is copied between modules.
 *
 * These functions must never touch the shadow stack or static data (the linker would
 * place both at low addresses that belong to the backend): only scalar and v128 locals.
 * build-kernels.sh checks the output for any use of __stack_pointer.
 *
 * Layout NHWC. Geometry: batch n; input ih x iw x ci; output oh x ow x co; filter kh x kw;
 * strides sh, sw; dilations dh, dw; top/left padding pt, pl. Callers zero the outputs.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

/* First output index o with o*s + t - p >= 0, and last with o*s + t - p <= size - 1. */
INLINE int first_valid(int t, int p, int s) {
  int num = p - t;
  return num <= 0 ? 0 : (num + s - 1) / s;
}
INLINE int last_valid(int t, int p, int s, int size, int out) {
  int num = size - 1 + p - t;
  if (num < 0) return -1;
  int o = num / s;
  return o < out - 1 ? o : out - 1;
}

/*
 * dW[a,b,c,o] = sum over pixels of x[n, oy*sh + a*dh - pt, ox*sw + b*dw - pl, c] * dy[n,oy,ox,o].
 * Works one output row at a time so that the rows of x and dy stay in cache, and keeps a
 * 4 (input channels) x 8 (output channels) block of dW in registers along the row.
 */
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const float *x, const float *dy, float *dwt, int n, int ih, int iw,
                        int ci, int oh, int ow, int co, int kh, int kw, int sh, int sw,
                        int dh, int dw, int pt, int pl) {
  for (int b0 = 0; b0 < n; b0++)
    for (int oy = 0; oy < oh; oy++) {
      const float *dyrow = dy + ((b0 * oh + oy) * ow) * co;
      for (int a = 0; a < kh; a++) {
        int iy = oy * sh + a * dh - pt;
        if (iy < 0 || iy >= ih) continue;
        const float *xrow = x + ((b0 * ih + iy) * iw) * ci;
        for (int b = 0; b < kw; b++) {
          int ox0 = first_valid(b * dw, pl, sw), ox1 = last_valid(b * dw, pl, sw, iw, ow);
          if (ox1 < ox0) continue;
          float *tap = dwt + (a * kw + b) * ci * co;
          const int xstep = sw * ci;
          int c = 0;
          for (; c + 4 <= ci; c += 4) {
            int o = 0;
            for (; o + 8 <= co; o += 8) {
              float *d0 = tap + c * co + o;
              v128_t a00 = wasm_v128_load(d0), a01 = wasm_v128_load(d0 + 4);
              v128_t a10 = wasm_v128_load(d0 + co), a11 = wasm_v128_load(d0 + co + 4);
              v128_t a20 = wasm_v128_load(d0 + 2 * co), a21 = wasm_v128_load(d0 + 2 * co + 4);
              v128_t a30 = wasm_v128_load(d0 + 3 * co), a31 = wasm_v128_load(d0 + 3 * co + 4);
              const float *xp = xrow + (ox0 * sw + b * dw - pl) * ci + c;
              const float *gp = dyrow + ox0 * co + o;
              for (int ox = ox0; ox <= ox1; ox++, xp += xstep, gp += co) {
                v128_t g0 = wasm_v128_load(gp), g1 = wasm_v128_load(gp + 4);
                v128_t x0 = wasm_v128_load32_splat(xp), x1 = wasm_v128_load32_splat(xp + 1);
                v128_t x2 = wasm_v128_load32_splat(xp + 2), x3 = wasm_v128_load32_splat(xp + 3);
                a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(x0, g0));
                a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(x0, g1));
                a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(x1, g0));
                a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(x1, g1));
                a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(x2, g0));
                a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(x2, g1));
                a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(x3, g0));
                a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(x3, g1));
              }
              wasm_v128_store(d0, a00); wasm_v128_store(d0 + 4, a01);
              wasm_v128_store(d0 + co, a10); wasm_v128_store(d0 + co + 4, a11);
              wasm_v128_store(d0 + 2 * co, a20); wasm_v128_store(d0 + 2 * co + 4, a21);
              wasm_v128_store(d0 + 3 * co, a30); wasm_v128_store(d0 + 3 * co + 4, a31);
            }
            for (; o < co; o++) {
              float *d0 = tap + c * co + o;
              float s0 = d0[0], s1 = d0[co], s2 = d0[2 * co], s3 = d0[3 * co];
              const float *xp = xrow + (ox0 * sw + b * dw - pl) * ci + c;
              const float *gp = dyrow + ox0 * co + o;
              for (int ox = ox0; ox <= ox1; ox++, xp += xstep, gp += co) {
                float g = *gp;
                s0 += xp[0] * g; s1 += xp[1] * g; s2 += xp[2] * g; s3 += xp[3] * g;
              }
              d0[0] = s0; d0[co] = s1; d0[2 * co] = s2; d0[3 * co] = s3;
            }
          }
          for (; c < ci; c++) {
            int o = 0;
            for (; o + 8 <= co; o += 8) {
              float *d0 = tap + c * co + o;
              v128_t a00 = wasm_v128_load(d0), a01 = wasm_v128_load(d0 + 4);
              const float *xp = xrow + (ox0 * sw + b * dw - pl) * ci + c;
              const float *gp = dyrow + ox0 * co + o;
              for (int ox = ox0; ox <= ox1; ox++, xp += xstep, gp += co) {
                v128_t x0 = wasm_v128_load32_splat(xp);
                a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(x0, wasm_v128_load(gp)));
                a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(x0, wasm_v128_load(gp + 4)));
              }
              wasm_v128_store(d0, a00); wasm_v128_store(d0 + 4, a01);
            }
            for (; o < co; o++) {
              float s = tap[c * co + o];
              const float *xp = xrow + (ox0 * sw + b * dw - pl) * ci + c;
              const float *gp = dyrow + ox0 * co + o;
              for (int ox = ox0; ox <= ox1; ox++, xp += xstep, gp += co) s += *xp * *gp;
              tap[c * co + o] = s;
            }
          }
        }
      }
    }
}

/*
 * dx[n, oy*sh + a*dh - pt, ox*sw + b*dw - pl, c] += sum_o wt[a,b,o,c] * dy[n,oy,ox,o],
 * with wt the filter transposed to [kh, kw, co, ci] so that input channels are contiguous.
 * Two output pixels share each load of the filter.
 */
EXPORT(conv2d_input_grad)
void conv2d_input_grad(const float *dy, const float *wt, float *dx, int n, int ih, int iw,
                       int ci, int oh, int ow, int co, int kh, int kw, int sh, int sw,
                       int dh, int dw, int pt, int pl) {
  for (int b0 = 0; b0 < n; b0++)
    for (int oy = 0; oy < oh; oy++) {
      const float *dyrow = dy + ((b0 * oh + oy) * ow) * co;
      for (int a = 0; a < kh; a++) {
        int iy = oy * sh + a * dh - pt;
        if (iy < 0 || iy >= ih) continue;
        float *dxrow = dx + ((b0 * ih + iy) * iw) * ci;
        for (int b = 0; b < kw; b++) {
          int ox0 = first_valid(b * dw, pl, sw), ox1 = last_valid(b * dw, pl, sw, iw, ow);
          const float *tap = wt + (a * kw + b) * co * ci;
          int ox = ox0;
          for (; ox + 1 <= ox1; ox += 2) {
            const float *g = dyrow + ox * co, *g2 = g + co;
            float *d = dxrow + (ox * sw + b * dw - pl) * ci, *d2 = d + sw * ci;
            int c = 0;
            for (; c + 8 <= ci; c += 8) {
              v128_t p0 = wasm_v128_load(d + c), p1 = wasm_v128_load(d + c + 4);
              v128_t q0 = wasm_v128_load(d2 + c), q1 = wasm_v128_load(d2 + c + 4);
              const float *w = tap + c;
              for (int o = 0; o < co; o++, w += ci) {
                v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 4);
                v128_t s = wasm_v128_load32_splat(g + o), t = wasm_v128_load32_splat(g2 + o);
                p0 = wasm_f32x4_add(p0, wasm_f32x4_mul(s, w0));
                p1 = wasm_f32x4_add(p1, wasm_f32x4_mul(s, w1));
                q0 = wasm_f32x4_add(q0, wasm_f32x4_mul(t, w0));
                q1 = wasm_f32x4_add(q1, wasm_f32x4_mul(t, w1));
              }
              wasm_v128_store(d + c, p0); wasm_v128_store(d + c + 4, p1);
              wasm_v128_store(d2 + c, q0); wasm_v128_store(d2 + c + 4, q1);
            }
            for (; c + 4 <= ci; c += 4) {
              v128_t p0 = wasm_v128_load(d + c), q0 = wasm_v128_load(d2 + c);
              const float *w = tap + c;
              for (int o = 0; o < co; o++, w += ci) {
                v128_t w0 = wasm_v128_load(w);
                p0 = wasm_f32x4_add(p0, wasm_f32x4_mul(wasm_v128_load32_splat(g + o), w0));
                q0 = wasm_f32x4_add(q0, wasm_f32x4_mul(wasm_v128_load32_splat(g2 + o), w0));
              }
              wasm_v128_store(d + c, p0); wasm_v128_store(d2 + c, q0);
            }
            for (; c < ci; c++) {
              float p = d[c], q = d2[c];
              const float *w = tap + c;
              for (int o = 0; o < co; o++, w += ci) { p += g[o] * *w; q += g2[o] * *w; }
              d[c] = p; d2[c] = q;
            }
          }
          for (; ox <= ox1; ox++) {
            const float *g = dyrow + ox * co;
            float *d = dxrow + (ox * sw + b * dw - pl) * ci;
            int c = 0;
            for (; c + 4 <= ci; c += 4) {
              v128_t p0 = wasm_v128_load(d + c);
              const float *w = tap + c;
              for (int o = 0; o < co; o++, w += ci)
                p0 = wasm_f32x4_add(p0, wasm_f32x4_mul(wasm_v128_load32_splat(g + o), wasm_v128_load(w)));
              wasm_v128_store(d + c, p0);
            }
            for (; c < ci; c++) {
              float p = d[c];
              const float *w = tap + c;
              for (int o = 0; o < co; o++, w += ci) p += g[o] * *w;
              d[c] = p;
            }
          }
        }
      }
    }
}

/*
 * Depthwise with channel multiplier m: output channel k = c*m + q reads input channel c.
 * dW[a,b,c,q] (flat index tap*ci*m + k) = sum over pixels of x[.., k/m] * dy[.., k].
 */
EXPORT(depthwise_filter_grad)
void depthwise_filter_grad(const float *x, const float *dy, float *dwt, int n, int ih, int iw,
                           int ci, int oh, int ow, int m, int kh, int kw, int sh, int sw,
                           int dh, int dw, int pt, int pl) {
  const int co = ci * m;
  for (int b0 = 0; b0 < n; b0++)
    for (int oy = 0; oy < oh; oy++) {
      const float *dyrow = dy + ((b0 * oh + oy) * ow) * co;
      for (int a = 0; a < kh; a++) {
        int iy = oy * sh + a * dh - pt;
        if (iy < 0 || iy >= ih) continue;
        const float *xrow = x + ((b0 * ih + iy) * iw) * ci;
        for (int b = 0; b < kw; b++) {
          int ox0 = first_valid(b * dw, pl, sw), ox1 = last_valid(b * dw, pl, sw, iw, ow);
          if (ox1 < ox0) continue;
          float *tap = dwt + (a * kw + b) * co;
          const int xstep = sw * ci;
          const float *xbase = xrow + (ox0 * sw + b * dw - pl) * ci;
          const float *gbase = dyrow + ox0 * co;
          int k = 0;
          if (m == 1) {
            for (; k + 16 <= co; k += 16) {
              v128_t s0 = wasm_v128_load(tap + k), s1 = wasm_v128_load(tap + k + 4);
              v128_t s2 = wasm_v128_load(tap + k + 8), s3 = wasm_v128_load(tap + k + 12);
              const float *xp = xbase + k, *gp = gbase + k;
              for (int ox = ox0; ox <= ox1; ox++, xp += xstep, gp += co) {
                s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(xp), wasm_v128_load(gp)));
                s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(xp + 4), wasm_v128_load(gp + 4)));
                s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(xp + 8), wasm_v128_load(gp + 8)));
                s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(xp + 12), wasm_v128_load(gp + 12)));
              }
              wasm_v128_store(tap + k, s0); wasm_v128_store(tap + k + 4, s1);
              wasm_v128_store(tap + k + 8, s2); wasm_v128_store(tap + k + 12, s3);
            }
            for (; k + 4 <= co; k += 4) {
              v128_t s0 = wasm_v128_load(tap + k);
              const float *xp = xbase + k, *gp = gbase + k;
              for (int ox = ox0; ox <= ox1; ox++, xp += xstep, gp += co)
                s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(xp), wasm_v128_load(gp)));
              wasm_v128_store(tap + k, s0);
            }
          }
          for (; k < co; k++) {
            float s = tap[k];
            const float *xp = xbase + k / m, *gp = gbase + k;
            for (int ox = ox0; ox <= ox1; ox++, xp += xstep, gp += co) s += *xp * *gp;
            tap[k] = s;
          }
        }
      }
    }
}

/* dx[.., c] += sum_q w[a,b,c,q] * dy[.., c*m + q], scattered from each output pixel. */
EXPORT(depthwise_input_grad)
void depthwise_input_grad(const float *dy, const float *w, float *dx, int n, int ih, int iw,
                          int ci, int oh, int ow, int m, int kh, int kw, int sh, int sw,
                          int dh, int dw, int pt, int pl) {
  const int co = ci * m;
  for (int b0 = 0; b0 < n; b0++)
    for (int oy = 0; oy < oh; oy++) {
      const float *dyrow = dy + ((b0 * oh + oy) * ow) * co;
      for (int a = 0; a < kh; a++) {
        int iy = oy * sh + a * dh - pt;
        if (iy < 0 || iy >= ih) continue;
        float *dxrow = dx + ((b0 * ih + iy) * iw) * ci;
        for (int b = 0; b < kw; b++) {
          int ox0 = first_valid(b * dw, pl, sw), ox1 = last_valid(b * dw, pl, sw, iw, ow);
          const float *tap = w + (a * kw + b) * co;
          const int xstep = sw * ci;
          float *dbase = dxrow + (ox0 * sw + b * dw - pl) * ci;
          const float *gbase = dyrow + ox0 * co;
          if (m == 1) {
            int c = 0;
            for (; c + 16 <= ci; c += 16) {
              v128_t w0 = wasm_v128_load(tap + c), w1 = wasm_v128_load(tap + c + 4);
              v128_t w2 = wasm_v128_load(tap + c + 8), w3 = wasm_v128_load(tap + c + 12);
              float *d = dbase + c;
              const float *g = gbase + c;
              for (int ox = ox0; ox <= ox1; ox++, d += xstep, g += co) {
                wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), wasm_f32x4_mul(w0, wasm_v128_load(g))));
                wasm_v128_store(d + 4, wasm_f32x4_add(wasm_v128_load(d + 4), wasm_f32x4_mul(w1, wasm_v128_load(g + 4))));
                wasm_v128_store(d + 8, wasm_f32x4_add(wasm_v128_load(d + 8), wasm_f32x4_mul(w2, wasm_v128_load(g + 8))));
                wasm_v128_store(d + 12, wasm_f32x4_add(wasm_v128_load(d + 12), wasm_f32x4_mul(w3, wasm_v128_load(g + 12))));
              }
            }
            for (; c + 4 <= ci; c += 4) {
              v128_t w0 = wasm_v128_load(tap + c);
              float *d = dbase + c;
              const float *g = gbase + c;
              for (int ox = ox0; ox <= ox1; ox++, d += xstep, g += co)
                wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), wasm_f32x4_mul(w0, wasm_v128_load(g))));
            }
            for (; c < ci; c++) {
              float *d = dbase + c;
              const float *g = gbase + c;
              for (int ox = ox0; ox <= ox1; ox++, d += xstep, g += co) *d += tap[c] * *g;
            }
          } else {
            for (int ox = ox0; ox <= ox1; ox++) {
              float *d = dbase + (ox - ox0) * xstep;
              const float *g = gbase + (ox - ox0) * co;
              for (int c = 0; c < ci; c++) {
                float s = 0;
                for (int q = 0; q < m; q++) s += tap[c * m + q] * g[c * m + q];
                d[c] += s;
              }
            }
          }
        }
      }
    }
}

/* Zeroes count floats: outputs are accumulated into, and the heap is not zeroed by malloc. */
EXPORT(zero_floats)
void zero_floats(float *p, int count) {
  int i = 0;
  v128_t z = wasm_f32x4_splat(0.0f);
  for (; i + 4 <= count; i += 4) wasm_v128_store(p + i, z);
  for (; i < count; i++) p[i] = 0.0f;
}

/*
 * Depthwise convolution, channel multiplier 1: out[b,oy,ox,c] = sum over taps of
 * x[b, oy*sh + a*dh - pt, ox*sw + t*dw - pl, c] * w[a,t,c], summed in XNNPACK's order (taps
 * column by column, t outer, a inner, from 0, each product rounded before it is added; taps in
 * the padding skipped, which adds nothing) so that the result is XNNPACK's to the bit. XNNPACK
 * gets 2-3 GMAC/s from the backend's call on these small-channel maps; four channels a vector
 * with the taps' bounds hoisted out of the inner loops does better (wasm-kernels.ts).
 */
EXPORT(depthwise_conv2d)
void depthwise_conv2d(const float *x, const float *w, float *out, int n, int ih, int iw,
                      int c, int oh, int ow, int m, int kh, int kw, int sh, int sw, int dh,
                      int dw, int pt, int pl) {
  (void)m; /* the shared geometry's channel multiplier: the caller sends only 1 */
  const int row = iw * c;
  for (int b = 0; b < n; b++)
    for (int oy = 0; oy < oh; oy++) {
      const int a0 = first_valid(oy * sh, pt, dh), a1 = last_valid(oy * sh, pt, dh, ih, kh);
      for (int ox = 0; ox < ow; ox++) {
        const int t0 = first_valid(ox * sw, pl, dw), t1 = last_valid(ox * sw, pl, dw, iw, kw);
        const float *xbase = x + ((b * ih + oy * sh - pt) * iw + ox * sw - pl) * c;
        float *o = out + ((b * oh + oy) * ow + ox) * c;
        int j = 0;
        /* Eight channels at a time: one walk over the taps feeds two accumulators. */
        for (; j + 8 <= c; j += 8) {
          v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0;
          for (int t = t0; t <= t1; t++) {
            const float *xp = xbase + a0 * dh * row + t * dw * c + j;
            const float *wp = w + (a0 * kw + t) * c + j;
            for (int a = a0; a <= a1; a++, xp += dh * row, wp += kw * c) {
              acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(xp), wasm_v128_load(wp)));
              acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_v128_load(xp + 4), wasm_v128_load(wp + 4)));
            }
          }
          wasm_v128_store(o + j, acc0);
          wasm_v128_store(o + j + 4, acc1);
        }
        for (; j + 4 <= c; j += 4) {
          v128_t acc = wasm_f32x4_splat(0.0f);
          for (int t = t0; t <= t1; t++) {
            const float *xp = xbase + a0 * dh * row + t * dw * c + j;
            const float *wp = w + (a0 * kw + t) * c + j;
            for (int a = a0; a <= a1; a++, xp += dh * row, wp += kw * c)
              acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(xp), wasm_v128_load(wp)));
          }
          wasm_v128_store(o + j, acc);
        }
        for (; j < c; j++) {
          float acc = 0.0f;
          for (int t = t0; t <= t1; t++)
            for (int a = a0; a <= a1; a++) acc += xbase[a * dh * row + t * dw * c + j] * w[(a * kw + t) * c + j];
          o[j] = acc;
        }
      }
    }
}

/*
 * One input of a concatenation: rows of cols floats from src, each written at the start of a row
 * of stride floats in dst. The backend's own Concat copies each row with a JavaScript subarray
 * and set, which costs more than a convolution when rows are a feature map's pixels and cols
 * its few channels (a DARTS cell's output).
 */
EXPORT(copy_rows)
void copy_rows(const float *src, float *dst, int rows, int cols, int stride) {
  for (int r = 0; r < rows; r++) {
    const float *s = src + r * cols;
    float *d = dst + r * stride;
    int j = 0;
    for (; j + 4 <= cols; j += 4) wasm_v128_store(d + j, wasm_v128_load(s + j));
    for (; j < cols; j++) d[j] = s[j];
  }
}

/* [kh, kw, ci, co] -> [kh, kw, co, ci], for conv2d_input_grad. */
EXPORT(transpose_taps)
void transpose_taps(const float *w, float *wt, int taps, int ci, int co) {
  for (int t = 0; t < taps; t++) {
    const float *s = w + t * ci * co;
    float *d = wt + t * ci * co;
    for (int c = 0; c < ci; c++)
      for (int o = 0; o < co; o++) d[o * ci + c] = s[c * co + o];
  }
}

/* out[j] = sum over rows of x[r, j]: the per-channel sums batch normalisation needs. */
EXPORT(channel_sum)
void channel_sum(const float *x, float *out, int rows, int c) {
  zero_floats(out, c);
  for (int r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    int j = 0;
    for (; j + 4 <= c; j += 4)
      wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(out + j), wasm_v128_load(xr + j)));
    for (; j < c; j++) out[j] += xr[j];
  }
}

/*
 * Batched matrix product of small matrices, c[i] = A(i) @ B(i) with A(i)[m,k] at
 * a + i*a_batch + m*sam + k*sak and B(i)[k,n] at b + i*b_batch + k*ldb + n (rows of B
 * contiguous; the caller transposes B first otherwise). A batch stride of 0 broadcasts.
 */
EXPORT(batch_matmul)
void batch_matmul(const float *a, const float *b, float *c, int batch, int m, int k, int n,
                  int a_batch, int sam, int sak, int b_batch, int ldb) {
  for (int i = 0; i < batch; i++) {
    const float *ai = a + i * a_batch, *bi = b + i * b_batch;
    float *ci = c + i * m * n;
    for (int r = 0; r < m; r++) {
      const float *ar = ai + r * sam;
      float *cr = ci + r * n;
      int j = 0;
      for (; j + 16 <= n; j += 16) {
        v128_t s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
        const float *bp = bi + j;
        for (int t = 0; t < k; t++, bp += ldb) {
          v128_t x = wasm_f32x4_splat(ar[t * sak]);
          s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(x, wasm_v128_load(bp)));
          s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(x, wasm_v128_load(bp + 4)));
          s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(x, wasm_v128_load(bp + 8)));
          s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(x, wasm_v128_load(bp + 12)));
        }
        wasm_v128_store(cr + j, s0); wasm_v128_store(cr + j + 4, s1);
        wasm_v128_store(cr + j + 8, s2); wasm_v128_store(cr + j + 12, s3);
      }
      for (; j + 4 <= n; j += 4) {
        v128_t s0 = wasm_f32x4_splat(0);
        const float *bp = bi + j;
        for (int t = 0; t < k; t++, bp += ldb)
          s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_f32x4_splat(ar[t * sak]), wasm_v128_load(bp)));
        wasm_v128_store(cr + j, s0);
      }
      for (; j < n; j++) {
        float s = 0;
        const float *bp = bi + j;
        for (int t = 0; t < k; t++, bp += ldb) s += ar[t * sak] * *bp;
        cr[j] = s;
      }
    }
  }
}

/* dst[i] = src[i]^T for `batch` matrices of rows x cols. */
EXPORT(batch_transpose)
void batch_transpose(const float *src, float *dst, int batch, int rows, int cols) {
  for (int i = 0; i < batch; i++) {
    const float *s = src + i * rows * cols;
    float *d = dst + i * rows * cols;
    for (int r = 0; r < rows; r++)
      for (int q = 0; q < cols; q++) d[q * rows + r] = s[r * cols + q];
  }
}

/*
 * Gradient of max pooling: each window's dy[b,oy,ox,c] goes to its first maximum in row-major
 * order (taps a outer, t inner; the cpu backend's and PyTorch's rule). Taps in the padding are
 * skipped, so padding never wins; the comparison is strict, so a tie keeps the earlier tap and a
 * window of NaN or -inf passes nothing on. dx accumulates window by window in output order, each
 * sum rounded to float as it is added. A vector holds four (window, channel) lanes: four channels
 * of one window, or, with two channels (a DARTS supernet's pools at K=4), both channels of two
 * neighbouring windows that have the same taps; the window's argmax runs in every lane at once,
 * then the lanes' gradients are scattered in output order. Callers zero dx.
 */

/* Offsets of x are from the window's corner, which may lie in the padding. */
INLINE void max_pool_grad_vector(const float *x, const float *g, float *dx, int corner, v128_t lanes,
                                 int a0, int a1, int t0, int t1, int arow, int tcol, int pair) {
  v128_t best = wasm_f32x4_splat(-__builtin_inff()), at = wasm_i32x4_splat(-1);
  for (int a = a0; a <= a1; a++)
    for (int t = t0; t <= t1; t++) {
      const int p = corner + a * arow + t * tcol;
      const v128_t v = pair ? wasm_v128_load64_lane(x + p + pair, wasm_v128_load64_zero(x + p), 1)
                            : wasm_v128_load(x + p);
      const v128_t more = wasm_f32x4_gt(v, best);
      best = wasm_v128_bitselect(v, best, more);
      at = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(p), lanes), at, more);
    }
  int q;
  if ((q = wasm_i32x4_extract_lane(at, 0)) >= 0) dx[q] += g[0];
  if ((q = wasm_i32x4_extract_lane(at, 1)) >= 0) dx[q] += g[1];
  if ((q = wasm_i32x4_extract_lane(at, 2)) >= 0) dx[q] += g[2];
  if ((q = wasm_i32x4_extract_lane(at, 3)) >= 0) dx[q] += g[3];
}

/* Channels j0..c-1 of one window, one at a time. */
INLINE void max_pool_grad_scalar(const float *x, const float *g, float *dx, int corner, int a0,
                                 int a1, int t0, int t1, int arow, int tcol, int j0, int c) {
  for (int j = j0; j < c; j++) {
    float best = -__builtin_inff();
    int at = -1;
    for (int a = a0; a <= a1; a++)
      for (int t = t0; t <= t1; t++) {
        const int p = corner + a * arow + t * tcol + j;
        if (x[p] > best) { best = x[p]; at = p; }
      }
    if (at >= 0) dx[at] += g[j];
  }
}

EXPORT(max_pool_grad)
void max_pool_grad(const float *x, const float *dy, float *dx, int n, int ih, int iw, int c,
                   int oh, int ow, int m, int kh, int kw, int sh, int sw, int dh, int dw,
                   int pt, int pl) {
  (void)m; /* the shared geometry's channel count or multiplier: a pool keeps its channels */
  const int arow = dh * iw * c, tcol = dw * c, next = sw * c;
  const v128_t four = wasm_i32x4_make(0, 1, 2, 3), two = wasm_i32x4_make(0, 1, next, next + 1);
  for (int b = 0; b < n; b++)
    for (int oy = 0; oy < oh; oy++) {
      const int a0 = first_valid(oy * sh, pt, dh), a1 = last_valid(oy * sh, pt, dh, ih, kh);
      int ox = 0;
      while (ox < ow) {
        const int t0 = first_valid(ox * sw, pl, dw), t1 = last_valid(ox * sw, pl, dw, iw, kw);
        const int corner = ((b * ih + oy * sh - pt) * iw + ox * sw - pl) * c;
        const float *g = dy + ((b * oh + oy) * ow + ox) * c;
        if (c == 2 && ox + 1 < ow && first_valid((ox + 1) * sw, pl, dw) == t0 &&
            last_valid((ox + 1) * sw, pl, dw, iw, kw) == t1) {
          max_pool_grad_vector(x, g, dx, corner, two, a0, a1, t0, t1, arow, tcol, next);
          ox += 2;
          continue;
        }
        int j = 0;
        for (; j + 4 <= c; j += 4)
          max_pool_grad_vector(x, g + j, dx, corner + j, four, a0, a1, t0, t1, arow, tcol, 0);
        max_pool_grad_scalar(x, g, dx, corner, a0, a1, t0, t1, arow, tcol, j, c);
        ox++;
      }
    }
}
