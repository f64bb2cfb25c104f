/* quant.c — conversions between f32 and the storage types, one row at a
 * time, exactly as GGML's reference (quantize_row_*_ref / dequantize_row_*)
 * does: f32, f16, bf16, q8_0, q4_0 both ways; q4_K, q5_K, q6_K dequant. */
#include <math.h>

#include "kernels_internal.h"

/* Quantization must give the same bytes on every build: no FMA contraction
 * (clang only contracts within one expression, hence the split statements). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

static float rd_half(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return gw_f16_to_f32(h); }

/* ---- q8_0 / q4_0 -------------------------------------------------------- */

void gw_quantize_row_q8_0(const float *x, gw_block_q8_0 *y, int64_t n) {
    for (int64_t b = 0; b < n / GW_QK8_0; b++, x += GW_QK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < GW_QK8_0; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = gw_f32_to_f16(d);
        for (int j = 0; j < GW_QK8_0; j++) y[b].qs[j] = (int8_t)roundf(x[j] * id);
    }
}

static void quantize_row_q4_0(const float *x, gw_block_q4_0 *y, int64_t n) {
    for (int64_t b = 0; b < n / GW_QK4_0; b++, x += GW_QK4_0) {
        float amax = 0.0f, max = 0.0f; /* max: the value of largest |x|, signed */
        for (int j = 0; j < GW_QK4_0; j++) {
            if (amax < fabsf(x[j])) { amax = fabsf(x[j]); max = x[j]; }
        }
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = gw_f32_to_f16(d);
        for (int j = 0; j < GW_QK4_0 / 2; j++) {
            const float x0 = x[j] * id, x1 = x[j + GW_QK4_0 / 2] * id;
            int q0 = (int8_t)(x0 + 8.5f);
            int q1 = (int8_t)(x1 + 8.5f);
            if (q0 > 15) q0 = 15;
            if (q1 > 15) q1 = 15;
            y[b].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

static void dequantize_row_q8_0(const gw_block_q8_0 *x, float *y, int64_t n) {
    for (int64_t b = 0; b < n / GW_QK8_0; b++) {
        const float d = gw_f16_to_f32(x[b].d);
        for (int j = 0; j < GW_QK8_0; j++) *y++ = d * (float)x[b].qs[j];
    }
}

static void dequantize_row_q4_0(const gw_block_q4_0 *x, float *y, int64_t n) {
    for (int64_t b = 0; b < n / GW_QK4_0; b++, y += GW_QK4_0) {
        const float d = gw_f16_to_f32(x[b].d);
        for (int j = 0; j < GW_QK4_0 / 2; j++) {
            y[j] = d * (float)((x[b].qs[j] & 15) - 8);
            y[j + GW_QK4_0 / 2] = d * (float)((x[b].qs[j] >> 4) - 8);
        }
    }
}

/* ---- k-quants (256-element super-blocks, GGML layouts) ----------------- */

/* 6-bit scale and min number j (0..7) packed in 12 bytes. */
static void scale_min_k4(int j, const uint8_t *q, int *sc, int *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/* q4_K: d f16 | dmin f16 | scales[12] | qs[128]  (144 bytes) */
static void dequantize_row_q4_K(const uint8_t *x, float *y, int64_t n) {
    for (int64_t b = 0; b < n / 256; b++, x += 144) {
        const float d = rd_half(x), dmin = rd_half(x + 2);
        const uint8_t *scales = x + 4, *q = x + 16;
        for (int j = 0, is = 0; j < 256; j += 64, q += 32, is += 2) {
            int sc, m;
            scale_min_k4(is, scales, &sc, &m);
            const float d1 = d * (float)sc, m1 = dmin * (float)m;
            scale_min_k4(is + 1, scales, &sc, &m);
            const float d2 = d * (float)sc, m2 = dmin * (float)m;
            for (int l = 0; l < 32; l++) *y++ = d1 * (float)(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * (float)(q[l] >> 4) - m2;
        }
    }
}

/* q5_K: d f16 | dmin f16 | scales[12] | qh[32] | qs[128]  (176 bytes) */
static void dequantize_row_q5_K(const uint8_t *x, float *y, int64_t n) {
    for (int64_t b = 0; b < n / 256; b++, x += 176) {
        const float d = rd_half(x), dmin = rd_half(x + 2);
        const uint8_t *scales = x + 4, *qh = x + 16, *ql = x + 48;
        unsigned u1 = 1, u2 = 2;
        for (int j = 0, is = 0; j < 256; j += 64, ql += 32, is += 2, u1 <<= 2, u2 <<= 2) {
            int sc, m;
            scale_min_k4(is, scales, &sc, &m);
            const float d1 = d * (float)sc, m1 = dmin * (float)m;
            scale_min_k4(is + 1, scales, &sc, &m);
            const float d2 = d * (float)sc, m2 = dmin * (float)m;
            for (int l = 0; l < 32; l++) *y++ = d1 * (float)((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * (float)((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
        }
    }
}

/* q6_K: ql[128] | qh[64] | scales[16] (int8) | d f16  (210 bytes) */
static void dequantize_row_q6_K(const uint8_t *x, float *y, int64_t n) {
    for (int64_t b = 0; b < n / 256; b++, x += 210) {
        const float d = rd_half(x + 208);
        const uint8_t *ql = x, *qh = x + 128;
        const int8_t *sc = (const int8_t *)(x + 192);
        for (int k = 0; k < 256; k += 128, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l++) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l + 0] = d * (float)sc[is + 0] * (float)q1;
                y[l + 32] = d * (float)sc[is + 2] * (float)q2;
                y[l + 64] = d * (float)sc[is + 4] * (float)q3;
                y[l + 96] = d * (float)sc[is + 6] * (float)q4;
            }
        }
    }
}

/* ---- entry points ------------------------------------------------------- */

static int row_ok(int type, int64_t n) {
    int bs = gw_type_block_size(type);
    return bs > 0 && n >= 0 && n % bs == 0;
}

int gw_dequantize_row(int type, const void *src, float *dst, int64_t n) {
    if (!row_ok(type, n)) return GW_E_UNSUPPORTED;
    switch (type) {
    case GW_TYPE_F32: memmove(dst, src, (size_t)n * 4); return GW_OK;
    case GW_TYPE_F16: {
        const uint8_t *s = src;
        for (int64_t i = 0; i < n; i++) dst[i] = rd_half(s + 2 * i);
        return GW_OK;
    }
    case GW_TYPE_BF16: {
        const uint8_t *s = src;
        for (int64_t i = 0; i < n; i++) {
            uint16_t h; memcpy(&h, s + 2 * i, 2);
            dst[i] = gw_bf16_to_f32(h);
        }
        return GW_OK;
    }
    case GW_TYPE_Q8_0: dequantize_row_q8_0(src, dst, n); return GW_OK;
    case GW_TYPE_Q4_0: dequantize_row_q4_0(src, dst, n); return GW_OK;
    case GW_TYPE_Q4_K: dequantize_row_q4_K(src, dst, n); return GW_OK;
    case GW_TYPE_Q5_K: dequantize_row_q5_K(src, dst, n); return GW_OK;
    case GW_TYPE_Q6_K: dequantize_row_q6_K(src, dst, n); return GW_OK;
    default: return GW_E_UNSUPPORTED;
    }
}

int gw_quantize_row(int type, const float *src, void *dst, int64_t n) {
    if (!row_ok(type, n)) return GW_E_UNSUPPORTED;
    switch (type) {
    case GW_TYPE_F32: memmove(dst, src, (size_t)n * 4); return GW_OK;
    case GW_TYPE_F16: {
        uint8_t *d = dst;
        for (int64_t i = 0; i < n; i++) { uint16_t h = gw_f32_to_f16(src[i]); memcpy(d + 2 * i, &h, 2); }
        return GW_OK;
    }
    case GW_TYPE_BF16: {
        uint8_t *d = dst;
        for (int64_t i = 0; i < n; i++) { uint16_t h = gw_f32_to_bf16(src[i]); memcpy(d + 2 * i, &h, 2); }
        return GW_OK;
    }
    case GW_TYPE_Q8_0: gw_quantize_row_q8_0(src, dst, n); return GW_OK;
    case GW_TYPE_Q4_0: quantize_row_q4_0(src, dst, n); return GW_OK;
    default: return GW_E_UNSUPPORTED;
    }
}

int gw_type_matmul_supported(int type) {
    switch (type) {
    case GW_TYPE_F32: case GW_TYPE_F16: case GW_TYPE_BF16:
    case GW_TYPE_Q8_0: case GW_TYPE_Q4_0:
        return 1;
    default:
        return 0;
    }
}
