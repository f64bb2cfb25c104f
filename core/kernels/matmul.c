/* matmul.c — the public matrix product gw_matmul / gw_matmul_rows: checks
 * the arguments, quantizes the activations once per call (for q8_0/q4_0
 * weights), splits the rows of W evenly across the pool's threads and runs
 * the SIMD128 row kernels (matmul_simd.c) or, without GW_SIMD, the scalar
 * dot kernels with the token loop inside the row loop, so each weight row is
 * read from memory once for all tokens. */
#include <stdlib.h>

#include "kernels_internal.h"

typedef struct mm_task {
    int type, layout;
    const uint8_t *w;
    size_t row_bytes;
    int64_t n, n_rows, o0, o1;
    const float *X;
    int n_tok;
    float *Y;
    int64_t ldy;
    const gw_block_q8_0 *xq8; /* scalar path: q8_0 activations, n/32 blocks per token */
    gw_xq16 xq16;             /* SIMD path: widened activations */
} mm_task;

/* This thread's rows: the range split in groups of 4 rows (the SIMD kernels
 * work on 4 rows at a time), spread evenly. */
static void thread_rows(const mm_task *m, int ith, int nth, int64_t *r0, int64_t *r1) {
    const int64_t len = m->o1 - m->o0, groups = (len + 3) / 4;
    int64_t a = m->o0 + groups * ith / nth * 4, b = m->o0 + groups * (ith + 1) / nth * 4;
    *r0 = a < m->o1 ? a : m->o1;
    *r1 = b < m->o1 ? b : m->o1;
}

#ifndef GW_SIMD
static void mm_task_scalar(void *arg, int ith, int nth) {
    const mm_task *m = arg;
    int64_t r0, r1;
    thread_rows(m, ith, nth, &r0, &r1);
    const int64_t nb = m->n / GW_QK8_0;
    for (int64_t o = r0; o < r1; o++) {
        const void *row = m->w + (size_t)o * m->row_bytes;
        for (int t = 0; t < m->n_tok; t++) {
            const float *x = m->X + (size_t)t * m->n;
            float v;
            switch (m->type) {
            case GW_TYPE_Q4_0: v = gw_vec_dot_q4_0_q8_0(m->n, row, m->xq8 + t * nb); break;
            case GW_TYPE_Q8_0: v = gw_vec_dot_q8_0_q8_0(m->n, row, m->xq8 + t * nb); break;
            case GW_TYPE_F32: v = gw_vec_dot_f32(m->n, row, x); break;
            case GW_TYPE_F16: v = gw_vec_dot_f16(m->n, row, x); break;
            default: v = gw_vec_dot_bf16(m->n, row, x); break;
            }
            m->Y[(size_t)t * m->ldy + (o - m->o0)] = v;
        }
    }
}
#else
static void mm_task_simd(void *arg, int ith, int nth) {
    const mm_task *m = arg;
    int64_t r0, r1;
    thread_rows(m, ith, nth, &r0, &r1);
    if (r0 >= r1) return;
    if (m->layout == GW_LAYOUT_X4) {
        gw_simd_rows_x4(m->type, m->w, m->row_bytes, m->n, m->n_rows, r0, r1, &m->xq16, m->n_tok, m->Y, m->ldy, m->o0);
        return;
    }
    switch (m->type) {
    case GW_TYPE_Q4_0:
        gw_simd_rows_q4_0(m->w, m->row_bytes, m->n, r0, r1, &m->xq16, m->n_tok, m->Y, m->ldy, m->o0);
        break;
    case GW_TYPE_Q8_0:
        gw_simd_rows_q8_0(m->w, m->row_bytes, m->n, r0, r1, &m->xq16, m->n_tok, m->Y, m->ldy, m->o0);
        break;
    default:
        gw_simd_rows_float(m->type, m->w, m->row_bytes, m->n, r0, r1, m->X, m->n_tok, m->Y, m->ldy, m->o0);
        break;
    }
}
#endif

int gw_matmul_rows(gw_pool *pool, const gw_tensor *W, int64_t o0, int64_t o1,
                   const float *X, int n_tok, float *Y, int64_t ldy) {
    if (!W || !gw_type_matmul_supported(W->type)) return GW_E_UNSUPPORTED;
    const int64_t n = W->ne[0];
    const size_t row_bytes = gw_type_row_bytes(W->type, n);
    if (row_bytes == 0 || o0 < 0 || o1 < o0 || o1 > W->ne[1] || n_tok < 0 || !W->data)
        return GW_E_UNSUPPORTED;
    if (W->nbytes && W->nbytes < row_bytes * (size_t)W->ne[1]) return GW_E_INVALID;
    if (n_tok == 0 || o1 == o0) return GW_OK;
    if (ldy < o1 - o0) return GW_E_INVALID;

    if (W->layout != GW_LAYOUT_ROWS) {
#ifdef GW_SIMD
        if (W->layout != GW_LAYOUT_X4 || (W->type != GW_TYPE_Q4_0 && W->type != GW_TYPE_Q8_0)) return GW_E_UNSUPPORTED;
#else
        return GW_E_UNSUPPORTED; /* only the SIMD kernels read the interleaved layout */
#endif
    }
    mm_task m = { .type = W->type, .layout = W->layout, .n_rows = W->ne[1], .w = W->data, .row_bytes = row_bytes, .n = n, .o0 = o0, .o1 = o1,
                  .X = X, .n_tok = n_tok, .Y = Y, .ldy = ldy };
    const int quantized = W->type == GW_TYPE_Q4_0 || W->type == GW_TYPE_Q8_0;
    void *owned = NULL;
    if (quantized) {
        const size_t nb = (size_t)(n / GW_QK8_0) * (size_t)n_tok;
#ifdef GW_SIMD
        const size_t bytes = (size_t)n * n_tok * sizeof(int16_t) + nb * (sizeof(float) + sizeof(int32_t)) + 16;
#else
        const size_t bytes = nb * sizeof(gw_block_q8_0) + 16;
#endif
        void *buf = gw_pool_scratch(pool, bytes);
        if (!buf) buf = owned = malloc(bytes);
        if (!buf) return GW_E_NOMEM;
#ifdef GW_SIMD
        m.xq16.q = buf;
        m.xq16.d = (float *)((char *)buf + (size_t)n * n_tok * sizeof(int16_t));
        m.xq16.s = (int32_t *)(m.xq16.d + nb);
        gw_quantize_x_q16(X, n, n_tok, &m.xq16);
#else
        gw_block_q8_0 *xq8 = buf;
        for (int t = 0; t < n_tok; t++)
            gw_quantize_row_q8_0(X + (size_t)t * n, xq8 + (size_t)t * (n / GW_QK8_0), n);
        m.xq8 = xq8;
#endif
    }
#ifdef GW_SIMD
    gw_pool_run(pool, mm_task_simd, &m);
#else
    gw_pool_run(pool, mm_task_scalar, &m);
#endif
    free(owned);
    return GW_OK;
}

int gw_matmul(gw_pool *pool, const gw_tensor *W, const float *X, int n_tok, float *Y) {
    if (!W) return GW_E_UNSUPPORTED;
    return gw_matmul_rows(pool, W, 0, W->ne[1], X, n_tok, Y, W->ne[1]);
}
