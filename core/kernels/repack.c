/* repack.c — the interleaved weight layout of the SIMD128 matmul kernels
 * (GW_LAYOUT_X4) and the row reader that understands both layouts.
 *
 * Decode reads every weight row once per token. Working on four rows at a
 * time shares the activation loads and the lane reduction between them, but
 * four rows stored one after another are four memory streams, which the
 * hardware prefetcher follows badly (measured: slower than one row at a
 * time). So the rows are regrouped once, at load: rows 4g..4g+3 become one
 * stream in which, for each block b, come
 *     the 4 rows' f16 scales (8 bytes), then the 4 rows' quants
 *     (q4_0: 4 x 16 bytes, q8_0: 4 x 32 bytes)
 * i.e. the same bytes as the four GGUF rows. q4_0 nibbles are stored XOR 8:
 * the nibble is then the signed 4-bit weight itself (q - 8 in two's
 * complement), which the kernels read with shifts and masks and no
 * subtraction. Rows past the last whole group of 4 stay in GGUF order at the
 * end. A matrix whose block scales include inf or nan is not repacked (the
 * kernels' fast half-to-float conversion assumes finite scales). */
#include <stdlib.h>

#include "kernels_internal.h"

static size_t qs_bytes(int type) { return type == GW_TYPE_Q8_0 ? GW_QK8_0 : GW_QK4_0 / 2; }

#ifdef GW_SIMD
static int eligible(const gw_tensor *W) {
    if (!W || !W->data || W->layout != GW_LAYOUT_ROWS) return 0;
    if (W->type != GW_TYPE_Q4_0 && W->type != GW_TYPE_Q8_0) return 0;
    if (W->ne[2] != 1 || W->ne[3] != 1 || W->ne[1] < 4 || W->ne[0] <= 0 || W->ne[0] % 32) return 0;
    const size_t rb = gw_type_row_bytes(W->type, W->ne[0]);
    if (W->nbytes && W->nbytes < rb * (size_t)W->ne[1]) return 0;
    const size_t bb = (size_t)gw_type_block_bytes(W->type);
    const uint8_t *p = W->data;
    const size_t nblk = rb / bb * (size_t)W->ne[1];
    for (size_t i = 0; i < nblk; i++) {
        uint16_t h;
        memcpy(&h, p + i * bb, 2);
        if ((h & 0x7c00u) == 0x7c00u) return 0; /* inf or nan scale */
    }
    return 1;
}
#endif

int gw_matmul_prepare(gw_tensor *W) {
#ifndef GW_SIMD
    (void)W;
    return 0;
#else
    if (!eligible(W)) return 0;
    const int64_t n = W->ne[0], nb = n / 32, groups = W->ne[1] / 4;
    const size_t rb = gw_type_row_bytes(W->type, n), bb = (size_t)gw_type_block_bytes(W->type);
    const size_t qb = qs_bytes(W->type);
    uint8_t *tmp = malloc(4 * rb);
    if (!tmp) return 0; /* stays in the row layout, which every kernel also reads */
    uint8_t *base = W->data;
    for (int64_t g = 0; g < groups; g++) {
        uint8_t *grp = base + (size_t)g * 4 * rb;
        memcpy(tmp, grp, 4 * rb);
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *dst = grp + (size_t)b * 4 * bb;
            for (int k = 0; k < 4; k++) {
                const uint8_t *src = tmp + (size_t)k * rb + (size_t)b * bb;
                memcpy(dst + 2 * k, src, 2);
                uint8_t *q = dst + 8 + (size_t)k * qb;
                memcpy(q, src + 2, qb);
                if (W->type == GW_TYPE_Q4_0)
                    for (size_t j = 0; j < qb; j++) q[j] ^= 0x88;
            }
        }
    }
    free(tmp);
    W->layout = GW_LAYOUT_X4;
    return 1;
#endif
}

int gw_tensor_row(const gw_tensor *W, int64_t r, float *out) {
    if (!W || !W->data) return GW_E_INVALID;
    if (r < 0 || r >= W->ne[1] * W->ne[2] * W->ne[3]) return GW_E_INVALID;
    const int64_t n = W->ne[0];
    const size_t rb = gw_type_row_bytes(W->type, n);
    if (rb == 0) return GW_E_UNSUPPORTED;
    const uint8_t *base = W->data;
    if (W->layout != GW_LAYOUT_X4 || r >= W->ne[1] / 4 * 4)
        return gw_dequantize_row(W->type, base + (size_t)r * rb, out, n);
    const size_t bb = (size_t)gw_type_block_bytes(W->type), qb = qs_bytes(W->type);
    const uint8_t *grp = base + (size_t)(r / 4) * 4 * rb;
    const int k = (int)(r % 4);
    for (int64_t b = 0; b < n / 32; b++) {
        const uint8_t *blk = grp + (size_t)b * 4 * bb;
        uint16_t h;
        memcpy(&h, blk + 2 * k, 2);
        const float d = gw_f16_to_f32(h);
        const uint8_t *q = blk + 8 + (size_t)k * qb;
        float *y = out + b * 32;
        if (W->type == GW_TYPE_Q8_0) {
            for (int j = 0; j < 32; j++) y[j] = d * (float)(int8_t)q[j];
        } else { /* stored nibble = (q ^ 8): the signed weight q - 8 */
            for (int j = 0; j < 16; j++) {
                const int lo = q[j] & 15, hi = q[j] >> 4;
                y[j] = d * (float)(lo >= 8 ? lo - 16 : lo);
                y[j + 16] = d * (float)(hi >= 8 ? hi - 16 : hi);
            }
        }
    }
    return GW_OK;
}
