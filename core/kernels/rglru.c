/* rglru.c — Griffin's recurrent-block kernels (see rglru.h): causal
 * depthwise conv1d, block-diagonal gate product, RG-LRU scan. Scalar
 * references first, then the SIMD128 versions (wasm SIMD128, or natively
 * through SIMDe), then the public entry points.
 */
#include <math.h>
#include <string.h>

#include "rglru.h"

#include "simd128.h"

/* ---- shared helpers ----------------------------------------------------- */

/* state <- last K-1 rows of (state ++ in), rows of c floats. */
static void conv_state_update(float *state, const float *in, int n, int c, int K) {
    int ns = K - 1;
    if (ns <= 0) return;
    if (n >= ns) {
        memcpy(state, in + (size_t)(n - ns) * c, (size_t)ns * c * sizeof(float));
    } else {
        memmove(state, state + (size_t)n * c, (size_t)(ns - n) * c * sizeof(float));
        memcpy(state + (size_t)(ns - n) * c, in, (size_t)n * c * sizeof(float));
    }
}

/* Row of u(j) (see rglru.h) for j in [-(K-1), n). */
static inline const float *conv_src(const float *in, const float *state, int c, int K, int j) {
    return j >= 0 ? in + (size_t)j * c : state + (size_t)(K - 1 + j) * c;
}

static inline float softplus_f(float x) {
    /* torch.nn.functional.softplus(beta=1, threshold=20) */
    return x > 20.0f ? x : log1pf(expf(x));
}

static inline float sigmoid_f(float x) { return 1.0f / (1.0f + expf(-x)); }

void gw_rglru_log_a_scale(float *out, const float *p, int c) {
    for (int i = 0; i < c; i++) out[i] = -8.0f * softplus_f(p[i]);
}

/* ---- scalar references -------------------------------------------------- */

void gw_conv1d_causal_ref(float *out, const float *in, int n, int c, const float *w,
                          const float *b, int K, float *state) {
    for (int t = 0; t < n; t++) {
        float *o = out + (size_t)t * c;
        for (int ch = 0; ch < c; ch++) o[ch] = b ? b[ch] : 0.0f;
        for (int k = 0; k < K; k++) {
            const float *u = conv_src(in, state, c, K, t - (K - 1) + k);
            const float *wk = w + (size_t)k * c;
            for (int ch = 0; ch < c; ch++) o[ch] += wk[ch] * u[ch];
        }
    }
    conv_state_update(state, in, n, c, K);
}

void gw_blockdiag_matmul_ref(float *y, const float *x, int n, const float *W, const float *b,
                             int nb, int bw) {
    int c = nb * bw;
    for (int t = 0; t < n; t++) {
        for (int h = 0; h < nb; h++) {
            const float *xb = x + (size_t)t * c + (size_t)h * bw;
            const float *Wb = W + (size_t)h * bw * bw;
            float *yb = y + (size_t)t * c + (size_t)h * bw;
            for (int j = 0; j < bw; j++) {
                float s = 0.0f;
                for (int i = 0; i < bw; i++) s += xb[i] * Wb[(size_t)i * bw + j];
                yb[j] = s + (b ? b[h * bw + j] : 0.0f);
            }
        }
    }
}

void gw_rglru_ref(float *out, const float *x, const float *gx_pre, const float *ga_pre,
                  const float *y, const float *log_a_scale, float *h, int n, int c, int pos0) {
    for (int t = 0; t < n; t++) {
        size_t r = (size_t)t * c;
        int reset = pos0 + t == 0;
        for (int ch = 0; ch < c; ch++) {
            float gx = sigmoid_f(gx_pre[r + ch]);
            float ga = sigmoid_f(ga_pre[r + ch]);
            float log_a = ga * log_a_scale[ch];
            float a = expf(log_a);
            float m = sqrtf(1.0f - expf(2.0f * log_a));
            if (reset) { a = 0.0f; m = 1.0f; }
            float xn = x[r + ch] * gx * m;
            float hv = a * h[ch] + xn;
            h[ch] = hv;
            out[r + ch] = y ? hv * y[r + ch] : hv;
        }
    }
}

/* ---- SIMD128 ------------------------------------------------------------ */
#ifdef GW_SIMD

static inline v128_t v_sigmoid(v128_t x) {
    v128_t one = wasm_f32x4_splat(1.0f);
    return wasm_f32x4_div(one, wasm_f32x4_add(one, gw_exp_f32x4(wasm_f32x4_neg(x))));
}

static void conv1d_simd(float *out, const float *in, int n, int c, const float *w,
                        const float *b, int K, float *state) {
    int c4 = c & ~3;
    for (int t = 0; t < n; t++) {
        float *o = out + (size_t)t * c;
        int ch = 0;
        for (; ch < c4; ch += 4) {
            v128_t acc = b ? wasm_v128_load(b + ch) : wasm_f32x4_splat(0.0f);
            for (int k = 0; k < K; k++) {
                const float *u = conv_src(in, state, c, K, t - (K - 1) + k);
                acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(w + (size_t)k * c + ch),
                                                         wasm_v128_load(u + ch)));
            }
            wasm_v128_store(o + ch, acc);
        }
        for (; ch < c; ch++) {
            float s = b ? b[ch] : 0.0f;
            for (int k = 0; k < K; k++)
                s += w[(size_t)k * c + ch] * conv_src(in, state, c, K, t - (K - 1) + k)[ch];
            o[ch] = s;
        }
    }
    conv_state_update(state, in, n, c, K);
}

/* One block h, tokens [t0, t0+nt) with nt <= 4: 8 output columns at a time
 * held in registers for all nt tokens while W's rows stream by once. */
static void blockdiag_tile(float *y, const float *x, int nt, int c, const float *Wb,
                           const float *bb, int bw) {
    int j8 = bw & ~7;
    for (int j = 0; j < j8; j += 8) {
        v128_t acc[4][2];
        for (int q = 0; q < nt; q++) {
            acc[q][0] = bb ? wasm_v128_load(bb + j) : wasm_f32x4_splat(0.0f);
            acc[q][1] = bb ? wasm_v128_load(bb + j + 4) : wasm_f32x4_splat(0.0f);
        }
        for (int i = 0; i < bw; i++) {
            v128_t w0 = wasm_v128_load(Wb + (size_t)i * bw + j);
            v128_t w1 = wasm_v128_load(Wb + (size_t)i * bw + j + 4);
            for (int q = 0; q < nt; q++) {
                v128_t xv = wasm_f32x4_splat(x[(size_t)q * c + i]);
                acc[q][0] = wasm_f32x4_add(acc[q][0], wasm_f32x4_mul(xv, w0));
                acc[q][1] = wasm_f32x4_add(acc[q][1], wasm_f32x4_mul(xv, w1));
            }
        }
        for (int q = 0; q < nt; q++) {
            wasm_v128_store(y + (size_t)q * c + j, acc[q][0]);
            wasm_v128_store(y + (size_t)q * c + j + 4, acc[q][1]);
        }
    }
    for (int j = j8; j < bw; j++) {
        for (int q = 0; q < nt; q++) {
            float s = bb ? bb[j] : 0.0f;
            for (int i = 0; i < bw; i++) s += x[(size_t)q * c + i] * Wb[(size_t)i * bw + j];
            y[(size_t)q * c + j] = s;
        }
    }
}

typedef struct {
    float *y; const float *x; const float *W; const float *b;
    int n, nb, bw;
} blockdiag_job;

static void blockdiag_task(void *arg, int ith, int nth) {
    const blockdiag_job *jb = arg;
    int c = jb->nb * jb->bw;
    int ntiles = (jb->n + 3) / 4;
    long items = (long)jb->nb * ntiles;
    long i0 = items * ith / nth, i1 = items * (ith + 1) / nth;
    for (long it = i0; it < i1; it++) {
        int h = (int)(it / ntiles), tile = (int)(it % ntiles);
        int t0 = tile * 4, nt = jb->n - t0 < 4 ? jb->n - t0 : 4;
        size_t off = (size_t)t0 * c + (size_t)h * jb->bw;
        blockdiag_tile(jb->y + off, jb->x + off, nt, c, jb->W + (size_t)h * jb->bw * jb->bw,
                       jb->b ? jb->b + (size_t)h * jb->bw : NULL, jb->bw);
    }
}

static void rglru_simd(float *out, const float *x, const float *gx_pre, const float *ga_pre,
                       const float *y, const float *log_a_scale, float *h, int n, int c, int pos0) {
    int c4 = c & ~3;
    const v128_t one = wasm_f32x4_splat(1.0f);
    for (int t = 0; t < n; t++) {
        if (pos0 + t == 0) { /* reset: a = 0, m = 1, no scalar/SIMD difference */
            size_t r0 = (size_t)t * c;
            gw_rglru_ref(out + r0, x + r0, gx_pre + r0, ga_pre + r0, y ? y + r0 : NULL,
                         log_a_scale, h, 1, c, 0);
            continue;
        }
        size_t r = (size_t)t * c;
        int ch = 0;
        for (; ch < c4; ch += 4) {
            v128_t gx = v_sigmoid(wasm_v128_load(gx_pre + r + ch));
            v128_t ga = v_sigmoid(wasm_v128_load(ga_pre + r + ch));
            v128_t log_a = wasm_f32x4_mul(ga, wasm_v128_load(log_a_scale + ch));
            v128_t a = gw_exp_f32x4(log_a);
            v128_t m = wasm_f32x4_sqrt(wasm_f32x4_sub(one, gw_exp_f32x4(wasm_f32x4_add(log_a, log_a))));
            v128_t xn = wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(x + r + ch), gx), m);
            v128_t hv = wasm_f32x4_add(wasm_f32x4_mul(a, wasm_v128_load(h + ch)), xn);
            wasm_v128_store(h + ch, hv);
            if (y) hv = wasm_f32x4_mul(hv, wasm_v128_load(y + r + ch));
            wasm_v128_store(out + r + ch, hv);
        }
        if (ch < c) /* tail channels: the scalar code on the remaining columns */
            for (; ch < c; ch++) {
                float gx = sigmoid_f(gx_pre[r + ch]);
                float ga = sigmoid_f(ga_pre[r + ch]);
                float log_a = ga * log_a_scale[ch];
                float a = expf(log_a);
                float m = sqrtf(1.0f - expf(2.0f * log_a));
                float hv = a * h[ch] + x[r + ch] * gx * m;
                h[ch] = hv;
                out[r + ch] = y ? hv * y[r + ch] : hv;
            }
    }
}
#endif /* GW_SIMD */

/* ---- public entry points ------------------------------------------------ */

void gw_conv1d_causal(float *out, const float *in, int n, int c, const float *w,
                      const float *b, int K, float *state) {
#ifdef GW_SIMD
    conv1d_simd(out, in, n, c, w, b, K, state);
#else
    gw_conv1d_causal_ref(out, in, n, c, w, b, K, state);
#endif
}

#ifndef GW_SIMD
typedef struct {
    float *y; const float *x; const float *W; const float *b;
    int n, nb, bw;
} blockdiag_job;

static void blockdiag_task(void *arg, int ith, int nth) {
    const blockdiag_job *jb = arg;
    int c = jb->nb * jb->bw;
    long items = (long)jb->nb * jb->n;
    long i0 = items * ith / nth, i1 = items * (ith + 1) / nth;
    for (long it = i0; it < i1; it++) {
        int h = (int)(it / jb->n), t = (int)(it % jb->n);
        size_t off = (size_t)t * c + (size_t)h * jb->bw;
        /* one token of one block through the reference (c = bw, nb = 1) */
        gw_blockdiag_matmul_ref(jb->y + off, jb->x + off, 1, jb->W + (size_t)h * jb->bw * jb->bw,
                                jb->b ? jb->b + (size_t)h * jb->bw : NULL, 1, jb->bw);
    }
}
#endif

void gw_blockdiag_matmul(gw_pool *pool, float *y, const float *x, int n, const float *W,
                         const float *b, int nb, int bw) {
    blockdiag_job jb = {y, x, W, b, n, nb, bw};
    if (n <= 0 || nb <= 0 || bw <= 0) return;
    gw_pool_run(pool, blockdiag_task, &jb);
}

void gw_rglru(float *out, const float *x, const float *gx_pre, const float *ga_pre,
              const float *y, const float *log_a_scale, float *h, int n, int c, int pos0) {
#ifdef GW_SIMD
    rglru_simd(out, x, gx_pre, ga_pre, y, log_a_scale, h, n, c, pos0);
#else
    gw_rglru_ref(out, x, gx_pre, ga_pre, y, log_a_scale, h, n, c, pos0);
#endif
}
