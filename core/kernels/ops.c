/* ops.c — the elementwise / vector ops of the forward pass: scalar
 * references and the public entry points (which use the SIMD128 versions
 * from ops_simd.c when GW_SIMD is defined). */
#include <math.h>

#include "kernels_internal.h"

#define GW_SQRT_2_OVER_PI 0.7978845608028654f

/* ---- references --------------------------------------------------------- */

void gw_rmsnorm_ref(float *out, const float *x, const float *w, int n, float eps) {
    double ss = 0.0;
    for (int i = 0; i < n; i++) ss += (double)x[i] * x[i];
    const float scale = 1.0f / sqrtf((float)(ss / (n > 0 ? n : 1)) + eps);
    for (int i = 0; i < n; i++) out[i] = x[i] * scale * w[i];
}

static inline float gelu_tanh1(float u) {
    return 0.5f * u * (1.0f + (float)tanh((double)(GW_SQRT_2_OVER_PI * (u + 0.044715f * u * u * u))));
}

void gw_gelu_tanh_mul_ref(float *out, const float *gate, const float *up, int n) {
    for (int i = 0; i < n; i++) out[i] = gelu_tanh1(gate[i]) * up[i];
}

void gw_gelu_tanh_ref(float *out, const float *x, int n) {
    for (int i = 0; i < n; i++) out[i] = gelu_tanh1(x[i]);
}

void gw_rope_inv_freq(float *inv_freq, int rot_dim, float theta, int round_bf16) {
    for (int i = 0; i < rot_dim / 2; i++) {
        /* transformers: inv_freq = 1 / theta^(arange(0, dim, 2).float() / dim), f32 */
        float f = 1.0f / powf(theta, (float)(2 * i) / (float)rot_dim);
        inv_freq[i] = round_bf16 ? gw_bf16_to_f32(gw_f32_to_bf16(f)) : f;
    }
}

void gw_rope_freqs(float *x, int rot_dim, int pos, const float *inv_freq) {
    const int h = rot_dim / 2;
    for (int i = 0; i < h; i++) {
        const float angle = (float)pos * inv_freq[i];
        /* libm in double: glibc and Emscripten's musl agree after rounding to
         * float, so native and wasm give the same bits */
        const float c = (float)cos((double)angle), s = (float)sin((double)angle);
        const float a = x[i], b = x[i + h];
        x[i] = a * c - b * s;
        x[i + h] = b * c + a * s;
    }
}

void gw_rope_ref(float *x, int rot_dim, int pos, float theta) {
    float inv_freq[GW_ROPE_MAX_PAIRS];
    if (rot_dim / 2 > GW_ROPE_MAX_PAIRS) return;
    gw_rope_inv_freq(inv_freq, rot_dim, theta, 0);
    gw_rope_freqs(x, rot_dim, pos, inv_freq);
}

void gw_softmax_ref(float *x, int n) {
    if (n <= 0) return;
    float max = x[0];
    for (int i = 1; i < n; i++) max = fmaxf(max, x[i]);
    double sum = 0.0;
    for (int i = 0; i < n; i++) { x[i] = (float)exp((double)(x[i] - max)); sum += x[i]; }
    const float inv = (float)(1.0 / sum);
    for (int i = 0; i < n; i++) {
        x[i] *= inv;
        if (x[i] < GW_SOFTMAX_FLUSH) x[i] = 0.0f;
    }
}

float gw_dot_f32_ref(const float *a, const float *b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

void gw_axpy_f32_ref(float *y, float a, const float *x, int n) {
    if (a == 0.0f) return;
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

void gw_softcap_ref(float *x, int n, float c) {
    const float ic = 1.0f / c;
    for (int i = 0; i < n; i++) x[i] = c * (float)tanh((double)(x[i] * ic));
}

/* ---- public entry points ----------------------------------------------- */

#ifdef GW_SIMD
#define PICK(simd, ref) simd
#else
#define PICK(simd, ref) ref
#endif

void gw_rmsnorm(float *out, const float *x, const float *w, int n, float eps) {
    PICK(gw_rmsnorm_simd, gw_rmsnorm_ref)(out, x, w, n, eps);
}
void gw_gelu_tanh_mul(float *out, const float *gate, const float *up, int n) {
    PICK(gw_gelu_tanh_mul_simd, gw_gelu_tanh_mul_ref)(out, gate, up, n);
}
void gw_gelu_tanh(float *out, const float *x, int n) {
    PICK(gw_gelu_tanh_simd, gw_gelu_tanh_ref)(out, x, n);
}
void gw_rope(float *x, int rot_dim, int pos, float theta) { gw_rope_ref(x, rot_dim, pos, theta); }
void gw_softmax(float *x, int n) { PICK(gw_softmax_simd, gw_softmax_ref)(x, n); }
float gw_dot_f32(const float *a, const float *b, int n) {
    return PICK(gw_dot_f32_simd, gw_dot_f32_ref)(a, b, n);
}
void gw_axpy_f32(float *y, float a, const float *x, int n) {
    PICK(gw_axpy_f32_simd, gw_axpy_f32_ref)(y, a, x, n);
}
void gw_softcap(float *x, int n, float c) { PICK(gw_softcap_simd, gw_softcap_ref)(x, n, c); }

const char *gw_kernels_simd_name(void) { return PICK("simd128", "scalar"); }
