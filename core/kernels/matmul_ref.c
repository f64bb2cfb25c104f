/* matmul_ref.c — the scalar reference matrix product: per-row dot kernels
 * written like llama.cpp's generic vec_dot_{q4_0,q8_0}_q8_0 (integer dot per
 * 32-block, scaled by both f16 scales) and plain f32 dots for float weights. */
#include <stdlib.h>

#include "kernels_internal.h"

float gw_vec_dot_q4_0_q8_0(int64_t n, const void *wv, const gw_block_q8_0 *x) {
    const gw_block_q4_0 *w = wv;
    float sumf = 0.0f;
    for (int64_t b = 0; b < n / GW_QK4_0; b++) {
        int sumi0 = 0, sumi1 = 0;
        for (int j = 0; j < GW_QK4_0 / 2; j++) {
            const int v0 = (w[b].qs[j] & 0x0F) - 8;
            const int v1 = (w[b].qs[j] >> 4) - 8;
            sumi0 += v0 * x[b].qs[j];
            sumi1 += v1 * x[b].qs[j + GW_QK4_0 / 2];
        }
        sumf += (float)(sumi0 + sumi1) * gw_half_to_float_inline(w[b].d) * gw_half_to_float_inline(x[b].d);
    }
    return sumf;
}

float gw_vec_dot_q8_0_q8_0(int64_t n, const void *wv, const gw_block_q8_0 *x) {
    const gw_block_q8_0 *w = wv;
    float sumf = 0.0f;
    for (int64_t b = 0; b < n / GW_QK8_0; b++) {
        int sumi = 0;
        for (int j = 0; j < GW_QK8_0; j++) sumi += w[b].qs[j] * x[b].qs[j];
        sumf += (float)sumi * gw_half_to_float_inline(w[b].d) * gw_half_to_float_inline(x[b].d);
    }
    return sumf;
}

float gw_vec_dot_f32(int64_t n, const void *wv, const float *x) {
    const float *w = wv;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += w[i] * x[i];
    return s;
}

float gw_vec_dot_f16(int64_t n, const void *wv, const float *x) {
    const uint16_t *w = wv;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += gw_half_to_float_inline(w[i]) * x[i];
    return s;
}

float gw_vec_dot_bf16(int64_t n, const void *wv, const float *x) {
    const uint16_t *w = wv;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += gw_bf16_to_f32(w[i]) * x[i];
    return s;
}

int gw_matmul_ref(const gw_tensor *W, const float *X, int n_tok, float *Y) {
    const int64_t n = W->ne[0], n_out = W->ne[1];
    const size_t row_bytes = gw_type_row_bytes(W->type, n);
    if (!gw_type_matmul_supported(W->type) || row_bytes == 0 || n_tok < 0)
        return GW_E_UNSUPPORTED;
    const uint8_t *w = W->data;
    if (W->type == GW_TYPE_Q4_0 || W->type == GW_TYPE_Q8_0) {
        gw_block_q8_0 *xq = malloc((size_t)(n / GW_QK8_0) * sizeof *xq + 1);
        if (!xq) return GW_E_NOMEM;
        for (int t = 0; t < n_tok; t++) {
            gw_quantize_row_q8_0(X + (size_t)t * n, xq, n);
            for (int64_t o = 0; o < n_out; o++) {
                const void *row = w + (size_t)o * row_bytes;
                Y[(size_t)t * n_out + o] = W->type == GW_TYPE_Q4_0
                    ? gw_vec_dot_q4_0_q8_0(n, row, xq) : gw_vec_dot_q8_0_q8_0(n, row, xq);
            }
        }
        free(xq);
        return GW_OK;
    }
    for (int t = 0; t < n_tok; t++) {
        for (int64_t o = 0; o < n_out; o++) {
            const void *row = w + (size_t)o * row_bytes;
            const float *x = X + (size_t)t * n;
            float v = W->type == GW_TYPE_F32 ? gw_vec_dot_f32(n, row, x)
                    : W->type == GW_TYPE_F16 ? gw_vec_dot_f16(n, row, x)
                    : gw_vec_dot_bf16(n, row, x);
            Y[(size_t)t * n_out + o] = v;
        }
    }
    return GW_OK;
}
