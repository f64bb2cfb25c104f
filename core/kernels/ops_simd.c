/* ops_simd.c — SIMD128 versions of the elementwise / vector ops (rmsnorm,
 * GELU-tanh, softmax, dot, axpy, softcap), with a vector expf; the scalar
 * references are in ops.c and the tests compare the two. Built only with
 * GW_SIMD (wasm SIMD128, or natively through SIMDe). */
#include <math.h>

#include "kernels_internal.h"

#ifdef GW_SIMD
#include "simd128.h"

#define SQRT_2_OVER_PI 0.7978845608028654f

/* tanh(y) for four lanes: sign(y) (1 - e) / (1 + e), e = exp(-2|y|). */
GW_INLINE v128_t tanh4(v128_t y) {
    const v128_t sign = wasm_v128_and(y, wasm_i32x4_splat((int32_t)0x80000000u));
    const v128_t e = gw_exp_f32x4(wasm_f32x4_mul(wasm_f32x4_abs(y), wasm_f32x4_splat(-2.0f)));
    const v128_t one = wasm_f32x4_splat(1.0f);
    const v128_t t = wasm_f32x4_div(wasm_f32x4_sub(one, e), wasm_f32x4_add(one, e));
    return wasm_v128_or(t, sign);
}

/* gelu_tanh(u) = 0.5 u (1 + tanh(z)) = u / (1 + exp(-2z)),
 * z = sqrt(2/pi) (u + 0.044715 u^3). */
GW_INLINE v128_t gelu4(v128_t u) {
    const v128_t u3 = wasm_f32x4_mul(wasm_f32x4_mul(u, u), u);
    const v128_t z = wasm_f32x4_mul(wasm_f32x4_splat(SQRT_2_OVER_PI),
                                    wasm_f32x4_add(u, wasm_f32x4_mul(wasm_f32x4_splat(0.044715f), u3)));
    const v128_t e = gw_exp_f32x4(wasm_f32x4_mul(z, wasm_f32x4_splat(-2.0f)));
    return wasm_f32x4_div(u, wasm_f32x4_add(wasm_f32x4_splat(1.0f), e));
}

static inline float gelu1(float u) {
    return 0.5f * u * (1.0f + (float)tanh((double)(SQRT_2_OVER_PI * (u + 0.044715f * u * u * u))));
}

void gw_rmsnorm_simd(float *out, const float *x, const float *w, int n, float eps) {
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const v128_t a = wasm_v128_load(x + i), b = wasm_v128_load(x + i + 4);
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(a, a));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(b, b));
    }
    double ss = gw_hsum_f32x4(wasm_f32x4_add(s0, s1));
    for (; i < n; i++) ss += (double)x[i] * x[i];
    const float scale = 1.0f / sqrtf((float)(ss / (n > 0 ? n : 1)) + eps);
    const v128_t vs = wasm_f32x4_splat(scale);
    for (i = 0; i + 4 <= n; i += 4)
        wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(x + i), vs), wasm_v128_load(w + i)));
    for (; i < n; i++) out[i] = x[i] * scale * w[i];
}

void gw_gelu_tanh_mul_simd(float *out, const float *gate, const float *up, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(out + i, wasm_f32x4_mul(gelu4(wasm_v128_load(gate + i)), wasm_v128_load(up + i)));
    for (; i < n; i++) out[i] = gelu1(gate[i]) * up[i];
}

void gw_gelu_tanh_simd(float *out, const float *x, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, gelu4(wasm_v128_load(x + i)));
    for (; i < n; i++) out[i] = gelu1(x[i]);
}

void gw_softmax_simd(float *x, int n) {
    if (n <= 0) return;
    int i = 0;
    v128_t vm = wasm_f32x4_splat(x[0]);
    for (; i + 4 <= n; i += 4) vm = wasm_f32x4_max(vm, wasm_v128_load(x + i));
    float max = gw_hmax_f32x4(vm);
    for (; i < n; i++) max = fmaxf(max, x[i]);
    const v128_t mx = wasm_f32x4_splat(max);
    v128_t vs = wasm_f32x4_splat(0.0f);
    for (i = 0; i + 4 <= n; i += 4) {
        const v128_t e = gw_exp_f32x4(wasm_f32x4_sub(wasm_v128_load(x + i), mx));
        wasm_v128_store(x + i, e);
        vs = wasm_f32x4_add(vs, e);
    }
    double sum = gw_hsum_f32x4(vs);
    for (; i < n; i++) { x[i] = (float)exp((double)(x[i] - max)); sum += x[i]; }
    const float inv = (float)(1.0 / sum);
    const v128_t vi = wasm_f32x4_splat(inv), flush = wasm_f32x4_splat(GW_SOFTMAX_FLUSH);
    for (i = 0; i + 4 <= n; i += 4) {
        const v128_t p = wasm_f32x4_mul(wasm_v128_load(x + i), vi);
        wasm_v128_store(x + i, wasm_v128_and(p, wasm_f32x4_ge(p, flush)));
    }
    for (; i < n; i++) {
        x[i] *= inv;
        if (x[i] < GW_SOFTMAX_FLUSH) x[i] = 0.0f;
    }
}

float gw_dot_f32_simd(const float *a, const float *b, int n) {
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
    }
    float s = gw_hsum_f32x4(wasm_f32x4_add(s0, s1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

void gw_axpy_f32_simd(float *y, float a, const float *x, int n) {
    if (a == 0.0f) return;
    const v128_t va = wasm_f32x4_splat(a);
    int i = 0;
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i))));
    for (; i < n; i++) y[i] += a * x[i];
}

void gw_softcap_simd(float *x, int n, float c) {
    const float ic = 1.0f / c;
    const v128_t vc = wasm_f32x4_splat(c), vic = wasm_f32x4_splat(ic);
    int i = 0;
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(x + i, wasm_f32x4_mul(vc, tanh4(wasm_f32x4_mul(wasm_v128_load(x + i), vic))));
    for (; i < n; i++) x[i] = c * (float)tanh((double)(x[i] * ic));
}

#endif /* GW_SIMD */
