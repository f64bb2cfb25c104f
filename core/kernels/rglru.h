/* rglru.h — the hot loops of Griffin's recurrent block (RecurrentGemma):
 * the causal depthwise conv1d with its carried state, the block-diagonal
 * gate product, and the RG-LRU recurrence. Each has a plain scalar
 * reference (*_ref) and a SIMD128 version picked when GW_SIMD is defined.
 * All buffers are f32, row-major [token][channel].
 */
#ifndef GW_RGLRU_H
#define GW_RGLRU_H

#include "pool.h"

/* Causal depthwise conv1d over n tokens of c channels, kernel width K:
 *   out[t][ch] = b[ch] + sum_{k<K} w[k*c + ch] * u(t - (K-1) + k)[ch]
 * w is tap-major [K][c]: tap K-1 multiplies the current token. u(j) is
 * in[j] for j >= 0 and state[(K-1) + j] for j < 0: state holds the K-1
 * inputs before this batch, oldest first (zeros at the start of a
 * sequence). On return state holds the last K-1 inputs of state ++ in.
 * b may be NULL (no bias). out must not alias in or state. */
void gw_conv1d_causal(float *out, const float *in, int n, int c, const float *w,
                      const float *b, int K, float *state);
void gw_conv1d_causal_ref(float *out, const float *in, int n, int c, const float *w,
                          const float *b, int K, float *state);

/* Block-diagonal product (the RG-LRU gates, torch.baddbmm layout):
 *   y[t][h*bw + j] = b[h*bw + j] + sum_{i<bw} x[t][h*bw + i] * W[(h*bw + i)*bw + j]
 * for t < n, h < nb, j < bw. W is f32 [nb][bw in][bw out]; b may be NULL.
 * Work is split across the pool's threads. y must not alias x. */
void gw_blockdiag_matmul(gw_pool *pool, float *y, const float *x, int n, const float *W,
                         const float *b, int nb, int bw);
void gw_blockdiag_matmul_ref(float *y, const float *x, int n, const float *W, const float *b,
                             int nb, int bw);

/* -8 * softplus(p) for each of c recurrent parameters (torch softplus:
 * threshold 20), the per-channel log-space scale of the RG-LRU decay. */
void gw_rglru_log_a_scale(float *out, const float *recurrent_param, int c);

/* The RG-LRU over n tokens at positions pos0.., c channels:
 *   gx = sigmoid(gx_pre), ga = sigmoid(ga_pre)
 *   log_a = ga * log_a_scale           (log_a_scale = -8 * softplus(param))
 *   a = exp(log_a), m = sqrt(1 - exp(2 log_a));  at position 0: a = 0, m = 1
 *   h = a * h + (x * gx) * m           (h in f32, carried across calls)
 *   out[t] = h * y[t]                  (or h when y is NULL)
 * out may alias x, gx_pre, ga_pre or y (each element is read before the
 * same element of out is written). */
void gw_rglru(float *out, const float *x, const float *gx_pre, const float *ga_pre,
              const float *y, const float *log_a_scale, float *h, int n, int c, int pos0);
void gw_rglru_ref(float *out, const float *x, const float *gx_pre, const float *ga_pre,
                  const float *y, const float *log_a_scale, float *h, int n, int c, int pos0);

#endif
