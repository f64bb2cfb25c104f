/* kernels_internal.h — declarations shared between the files of
 * core/kernels/ only (not part of the kernel API): the quantized-activation
 * layout, the per-row dot kernels (scalar and SIMD128) and the pool scratch. */
#ifndef GW_KERNELS_INTERNAL_H
#define GW_KERNELS_INTERNAL_H

#include "kernels.h"

/* Exact f16 -> f32 without branches on the common path: the half's
 * exponent/mantissa shifted into place is the f32 value scaled by 2^-112
 * (subnormals included); inf/nan get the full exponent. */
static inline float gw_half_to_float_inline(uint16_t h) {
    uint32_t em = (uint32_t)(h & 0x7fffu) << 13;
    float f = gw_f32_from_bits(em) * 0x1p112f;
    uint32_t bits = gw_bits_from_f32(f);
    if ((h & 0x7c00u) == 0x7c00u) bits = em | 0x7f800000u;
    return gw_f32_from_bits(bits | ((uint32_t)(h & 0x8000u) << 16));
}

/* ---- scalar dot kernels (matmul_ref.c): one weight row . one activation
 * row, n elements. The q* ones take the activation as q8_0 blocks. */
float gw_vec_dot_q4_0_q8_0(int64_t n, const void *w, const gw_block_q8_0 *x);
float gw_vec_dot_q8_0_q8_0(int64_t n, const void *w, const gw_block_q8_0 *x);
float gw_vec_dot_f32(int64_t n, const void *w, const float *x);
float gw_vec_dot_f16(int64_t n, const void *w, const float *x);
float gw_vec_dot_bf16(int64_t n, const void *w, const float *x);

/* q8_0 quantization of one activation row exactly as the reference does
 * (d = amax/127, q = roundf(x/d), d stored as f16). */
void gw_quantize_row_q8_0(const float *x, gw_block_q8_0 *y, int64_t n);

/* ---- SIMD128 matmul kernels (matmul_simd.c, only with GW_SIMD) ----------
 * Activations for the integer kernels are kept pre-widened to int16 (one
 * v128 load feeds i32x4.dot_i16x8 directly) with an f32 scale per block:
 *   q[t * n + 32 * b + k]   int16, |q| <= 127, in the block order
 *                           even 0..14 | odd 1..15 | even 16..30 | odd 17..31
 *                           (so q8_0/q4_0 weights unpack with shifts only)
 *   d[t * (n / 32) + b]     f32 (the f16-rounded block scale, as q8_0 stores)
 *   s[t * (n / 32) + b]     int32, the sum of the block's q (for q4_0's -8)
 * The task computes Y[t][o - o0] for o in [r0, r1), t < n_tok. */
typedef struct gw_xq16 {
    int16_t *q;
    float *d;
    int32_t *s;
} gw_xq16;
/* Position of element j (0..31) of a block in the layout above. */
static inline int gw_xq16_pos(int j) { return (j & 16) + ((j & 1) << 3) + ((j & 15) >> 1); }

void gw_quantize_x_q16(const float *x, int64_t n, int n_tok, gw_xq16 *xq);
void gw_simd_rows_q4_0(const uint8_t *w, size_t row_bytes, int64_t n, int64_t r0, int64_t r1,
                       const gw_xq16 *xq, int n_tok, float *Y, int64_t ldy, int64_t o0);
void gw_simd_rows_q8_0(const uint8_t *w, size_t row_bytes, int64_t n, int64_t r0, int64_t r1,
                       const gw_xq16 *xq, int n_tok, float *Y, int64_t ldy, int64_t o0);
/* q8_0/q4_0 weights in the interleaved layout (GW_LAYOUT_X4, repack.c) of a
 * matrix with n_rows rows. */
void gw_simd_rows_x4(int type, const uint8_t *w, size_t row_bytes, int64_t n, int64_t n_rows, int64_t r0,
                     int64_t r1, const gw_xq16 *xq, int n_tok, float *Y, int64_t ldy, int64_t o0);
/* Float weights (type f32/f16/bf16) against f32 activations X[t * n + i]. */
void gw_simd_rows_float(int type, const uint8_t *w, size_t row_bytes, int64_t n,
                        int64_t r0, int64_t r1, const float *X, int n_tok,
                        float *Y, int64_t ldy, int64_t o0);

/* ---- ops: references not in kernels.h (ops.c) and SIMD128 versions
 * (ops_simd.c, only with GW_SIMD). */
void gw_gelu_tanh_ref(float *out, const float *x, int n);
void gw_axpy_f32_ref(float *y, float a, const float *x, int n);
void gw_softcap_ref(float *x, int n, float c);
void gw_rmsnorm_simd(float *out, const float *x, const float *w, int n, float eps);
void gw_gelu_tanh_mul_simd(float *out, const float *gate, const float *up, int n);
void gw_gelu_tanh_simd(float *out, const float *x, int n);
void gw_softmax_simd(float *x, int n);
float gw_dot_f32_simd(const float *a, const float *b, int n);
void gw_axpy_f32_simd(float *y, float a, const float *x, int n);
void gw_softcap_simd(float *x, int n, float c);

/* ---- pool scratch (pool.c): a buffer owned by the pool, grown on demand,
 * valid until the next call; NULL pool or allocation failure -> NULL.
 * Only the thread that calls gw_pool_run may use it. */
void *gw_pool_scratch(gw_pool *p, size_t bytes);

#endif
