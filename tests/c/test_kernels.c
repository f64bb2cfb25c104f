/* test_kernels.c — the kernels of core/kernels/ against their scalar
 * references and known values: type traits, f16/bf16 conversions,
 * quantize/dequantize round trips, the SIMD128 activation quantizer against
 * the reference one (bit-exact), gw_matmul (every weight type, odd token
 * counts and row counts, 1..4 threads, row slices) against gw_matmul_ref and
 * a double-precision product, and the elementwise ops against their refs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_internal.h"
#include "testutil.h"

static unsigned rng = 777u;

static float *randv(size_t n, float scale) {
    float *v = malloc(n * sizeof *v + 4);
    for (size_t i = 0; i < n; i++) v[i] = test_randf(&rng) * scale;
    return v;
}

/* ---- type traits and half conversions ---------------------------------- */

static void test_types(void) {
    CHECK(gw_type_block_size(GW_TYPE_Q4_0) == 32 && gw_type_block_bytes(GW_TYPE_Q4_0) == 18);
    CHECK(gw_type_block_size(GW_TYPE_Q8_0) == 32 && gw_type_block_bytes(GW_TYPE_Q8_0) == 34);
    CHECK(gw_type_block_size(GW_TYPE_F16) == 1 && gw_type_block_bytes(GW_TYPE_F16) == 2);
    CHECK(gw_type_block_bytes(GW_TYPE_Q6_K) == 210 && gw_type_block_size(GW_TYPE_Q6_K) == 256);
    CHECK(gw_type_block_size(99) == 0 && gw_type_name(99) == NULL);
    CHECK(gw_type_row_bytes(GW_TYPE_Q4_0, 64) == 36);
    CHECK(gw_type_row_bytes(GW_TYPE_Q4_0, 33) == 0);
    CHECK(gw_type_row_bytes(GW_TYPE_BF16, 7) == 14);
    CHECK(gw_type_from_name("Q8_0") == GW_TYPE_Q8_0 && gw_type_from_name("bf16") == GW_TYPE_BF16);
    CHECK(gw_type_from_name("q9") == -1 && gw_type_from_name(NULL) == -1);
    CHECK(strcmp(gw_type_name(GW_TYPE_Q4_K), "q4_K") == 0);
    CHECK(gw_type_matmul_supported(GW_TYPE_Q4_0) && !gw_type_matmul_supported(GW_TYPE_Q6_K));

    CHECK(gw_f32_to_f16(1.0f) == 0x3c00 && gw_f32_to_f16(-2.0f) == 0xc000);
    CHECK(gw_f32_to_f16(65504.0f) == 0x7bff && gw_f32_to_f16(65520.0f) == 0x7c00);
    CHECK(gw_f32_to_f16(0x1p-24f) == 0x0001 && gw_f32_to_f16(0x1p-26f) == 0x0000);
    CHECK(gw_f32_to_f16(1.0f + 0x1p-11f) == 0x3c00);            /* tie to even */
    CHECK(gw_f32_to_f16(1.0f + 3 * 0x1p-11f) == 0x3c02);        /* tie to even, up */
    CHECK(gw_f16_to_f32(0x3555) == 0x1.554p-2f);
    CHECK(gw_f16_to_f32(0x0001) == 0x1p-24f && gw_f16_to_f32(0x8000) == 0.0f);
    CHECK(isinf(gw_f16_to_f32(0xfc00)) && isnan(gw_f16_to_f32(0x7e00)));
    /* the inline kernel conversion agrees with the reference on all halves */
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float a = gw_f16_to_f32((uint16_t)h), b = gw_half_to_float_inline((uint16_t)h);
        if (gw_bits_from_f32(a) != gw_bits_from_f32(b) && !(isnan(a) && isnan(b))) bad++;
    }
    CHECKF(bad == 0, "%d halves differ", bad);
    CHECK(gw_f32_to_bf16(1.0f) == 0x3f80 && gw_bf16_to_f32(0x4049) == 3.140625f);
    CHECK(gw_f32_to_bf16(gw_f32_from_bits(0x3f808000u)) == 0x3f80); /* tie to even */
    CHECK(gw_f32_to_bf16(gw_f32_from_bits(0x3f818000u)) == 0x3f82);
}

/* ---- quantization known values and round trips ------------------------- */

static void test_quant(void) {
    float x[64], y[64];
    for (int i = 0; i < 32; i++) x[i] = (float)i - 16.0f; /* -16..15 */
    for (int i = 32; i < 64; i++) x[i] = 0.0f;
    gw_block_q8_0 q8[2];
    CHECK(gw_quantize_row(GW_TYPE_Q8_0, x, q8, 64) == GW_OK);
    CHECK(q8[0].d == gw_f32_to_f16(16.0f / 127.0f));
    CHECK(q8[0].qs[0] == -127 && q8[0].qs[16] == 0 && q8[0].qs[31] == 119); /* 15*127/16 = 119.06 */
    CHECK(q8[0].qs[8] == -64);                                            /* -8*127/16 = -63.5 -> -64 */
    CHECK(q8[1].d == 0 && q8[1].qs[5] == 0);
    CHECK(gw_dequantize_row(GW_TYPE_Q8_0, q8, y, 64) == GW_OK);
    float err = 0;
    for (int i = 0; i < 64; i++) err = fmaxf(err, fabsf(x[i] - y[i]));
    CHECKF(err <= 16.0f / 127.0f * 0.51f, "q8_0 round trip err %g", err);

    gw_block_q4_0 q4[2];
    CHECK(gw_quantize_row(GW_TYPE_Q4_0, x, q4, 64) == GW_OK);
    CHECK(q4[0].d == gw_f32_to_f16(2.0f)); /* max |x| is -16: d = -16 / -8 */
    /* x[0] = -16 -> -8 -> nibble 0; x[16] = 0 -> nibble 8; x[31] = 15 -> 7.5 -> 15 */
    CHECK((q4[0].qs[0] & 15) == 0 && (q4[0].qs[0] >> 4) == 8 && (q4[0].qs[15] >> 4) == 15);
    CHECK(gw_dequantize_row(GW_TYPE_Q4_0, q4, y, 64) == GW_OK);
    CHECK(y[0] == -16.0f && y[16] == 0.0f && y[31] == 14.0f && y[40] == 0.0f);
    err = 0;
    for (int i = 0; i < 32; i++) err = fmaxf(err, fabsf(x[i] - y[i]));
    CHECKF(err <= 1.0f + 1e-6f, "q4_0 round trip err %g", err);

    /* float types: f16/bf16 round trips within half an ulp */
    float *r = randv(257, 3.0f);
    uint16_t h[257];
    float back[257];
    CHECK(gw_quantize_row(GW_TYPE_F16, r, h, 257) == GW_OK);
    CHECK(gw_dequantize_row(GW_TYPE_F16, h, back, 257) == GW_OK);
    int ok = 1;
    for (int i = 0; i < 257; i++) ok &= fabsf(back[i] - r[i]) <= fabsf(r[i]) * 0x1p-11f + 0x1p-25f;
    CHECK(ok);
    CHECK(gw_quantize_row(GW_TYPE_BF16, r, h, 257) == GW_OK);
    CHECK(gw_dequantize_row(GW_TYPE_BF16, h, back, 257) == GW_OK);
    ok = 1;
    for (int i = 0; i < 257; i++) ok &= fabsf(back[i] - r[i]) <= fabsf(r[i]) * 0x1p-8f;
    CHECK(ok);
    free(r);
    CHECK(gw_quantize_row(GW_TYPE_Q8_0, x, q8, 33) == GW_E_UNSUPPORTED);
    CHECK(gw_quantize_row(GW_TYPE_Q6_K, x, q8, 256) == GW_E_UNSUPPORTED);
    CHECK(gw_dequantize_row(77, x, y, 32) == GW_E_UNSUPPORTED);

#ifdef GW_SIMD
    /* the SIMD activation quantizer gives the reference's bytes, including
     * exact .5 ties (x = k + 0.5 with amax 127) and zero blocks */
    enum { N = 96, T = 3 };
    float *xa = randv(N * T, 2.0f);
    for (int i = 0; i < 32; i++) xa[i] = (float)(i * 4 - 64) + 0.5f;
    xa[0] = 127.0f;
    for (int i = 32; i < 64; i++) xa[i] = 0.0f;
    int16_t q16[N * T];
    float d16[N / 32 * T];
    int32_t s16[N / 32 * T];
    gw_xq16 xq = { q16, d16, s16 };
    gw_quantize_x_q16(xa, N, T, &xq);
    int same = 1;
    for (int t = 0; t < T; t++) {
        gw_block_q8_0 ref[N / 32];
        gw_quantize_row_q8_0(xa + t * N, ref, N);
        for (int b = 0; b < N / 32; b++) {
            same &= gw_f16_to_f32(ref[b].d) == d16[t * (N / 32) + b];
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                same &= ref[b].qs[j] == q16[t * N + b * 32 + gw_xq16_pos(j)];
                sum += ref[b].qs[j];
            }
            same &= sum == s16[t * (N / 32) + b];
        }
    }
    CHECK(same);
    free(xa);
#endif
}

/* ---- matmul -------------------------------------------------------------- */

/* Y from gw_matmul (pool of nth threads) against gw_matmul_ref, and both
 * against the double product of the dequantized weights. */
static void check_matmul(int type, int64_t n, int64_t n_out, int n_tok, gw_pool *pool) {
    float *wf = randv((size_t)(n * n_out), 1.0f);
    float *X = randv((size_t)(n * n_tok), 1.0f);
    const size_t rb = gw_type_row_bytes(type, n);
    uint8_t *wq = malloc(rb * (size_t)n_out + 16);
    for (int64_t o = 0; o < n_out; o++) gw_quantize_row(type, wf + o * n, wq + o * rb, n);
    float *wd = malloc(sizeof(float) * (size_t)(n * n_out));
    for (int64_t o = 0; o < n_out; o++) gw_dequantize_row(type, wq + o * rb, wd + o * n, n);
    gw_tensor W = { "w", type, 2, { n, n_out, 1, 1 }, wq, rb * (size_t)n_out, GW_LAYOUT_ROWS };
    float *Y = malloc(sizeof(float) * (size_t)(n_out * n_tok)), *Yr = malloc(sizeof(float) * (size_t)(n_out * n_tok));
    for (int64_t i = 0; i < n_out * n_tok; i++) Y[i] = Yr[i] = NAN;
    CHECK(gw_matmul(pool, &W, X, n_tok, Y) == GW_OK);
    CHECK(gw_matmul_ref(&W, X, n_tok, Yr) == GW_OK);
    const int quant = type == GW_TYPE_Q4_0 || type == GW_TYPE_Q8_0;
    double worst_ref = 0, worst_exact = 0;
    for (int t = 0; t < n_tok; t++) {
        for (int64_t o = 0; o < n_out; o++) {
            double exact = 0, mag = 0;
            for (int64_t i = 0; i < n; i++) {
                exact += (double)wd[o * n + i] * X[t * n + i];
                mag += fabs((double)wd[o * n + i] * X[t * n + i]);
            }
            const double y = Y[t * n_out + o], yr = Yr[t * n_out + o];
            /* same integer dots, only the float summation order differs */
            double e1 = fabs(y - yr) / (mag * 1e-5 + 1e-6);
            /* activations quantized to 8 bits: error ~ mag / 127 */
            double e2 = fabs(y - exact) / (quant ? mag * 0.01 + 1e-6 : mag * 1e-5 + 1e-6);
            if (!(e1 <= worst_ref)) worst_ref = e1 != e1 ? INFINITY : e1;
            if (!(e2 <= worst_exact)) worst_exact = e2 != e2 ? INFINITY : e2;
        }
    }
    CHECKF(worst_ref <= 1.0, "%s n=%lld n_out=%lld n_tok=%d threads=%d: simd vs ref %.3g of tolerance",
           gw_type_name(type), (long long)n, (long long)n_out, n_tok, gw_pool_size(pool), worst_ref);
    CHECKF(worst_exact <= 1.0, "%s n=%lld n_out=%lld n_tok=%d threads=%d: vs exact %.3g of tolerance",
           gw_type_name(type), (long long)n, (long long)n_out, n_tok, gw_pool_size(pool), worst_exact);

    /* a row slice [o0, o1) into a wider output (ldy > rows) */
    if (n_out >= 3) {
        const int64_t o0 = 1, o1 = n_out - 1, ldy = n_out + 3;
        float *Ys = malloc(sizeof(float) * (size_t)(ldy * n_tok));
        for (int64_t i = 0; i < ldy * n_tok; i++) Ys[i] = -12345.0f;
        CHECK(gw_matmul_rows(pool, &W, o0, o1, X, n_tok, Ys, ldy) == GW_OK);
        int same = 1;
        for (int t = 0; t < n_tok; t++) {
            for (int64_t o = o0; o < o1; o++) same &= Ys[t * ldy + (o - o0)] == Y[t * n_out + o];
            for (int64_t o = o1 - o0; o < ldy; o++) same &= Ys[t * ldy + o] == -12345.0f;
        }
        CHECKF(same, "%s slice differs", gw_type_name(type));
        free(Ys);
    }
    /* the interleaved layout of the SIMD kernels (repack.c): same products
     * within the reference's tolerance, same rows from gw_tensor_row */
    if (quant) {
        uint8_t *wp = malloc(rb * (size_t)n_out + 16);
        memcpy(wp, wq, rb * (size_t)n_out);
        gw_tensor P = W;
        P.data = wp;
        const int packed = gw_matmul_prepare(&P);
#ifdef GW_SIMD
        CHECKF(packed == (n_out >= 4) && P.layout == (packed ? GW_LAYOUT_X4 : GW_LAYOUT_ROWS),
               "%s n_out=%lld: prepare gave %d", gw_type_name(type), (long long)n_out, packed);
#else
        CHECK(packed == 0 && P.layout == GW_LAYOUT_ROWS);
#endif
        float *Yp = malloc(sizeof(float) * (size_t)(n_out * n_tok));
        CHECK(gw_matmul(pool, &P, X, n_tok, Yp) == GW_OK);
        double worst = 0;
        for (int t = 0; t < n_tok; t++)
            for (int64_t o = 0; o < n_out; o++) {
                double mag = 0;
                for (int64_t i = 0; i < n; i++) mag += fabs((double)wd[o * n + i] * X[t * n + i]);
                const double e = fabs((double)Yp[t * n_out + o] - Yr[t * n_out + o]) / (mag * 1e-5 + 1e-6);
                if (!(e <= worst)) worst = e != e ? INFINITY : e;
            }
        CHECKF(worst <= 1.0, "%s n=%lld n_out=%lld n_tok=%d threads=%d: interleaved vs ref %.3g of tolerance",
               gw_type_name(type), (long long)n, (long long)n_out, n_tok, gw_pool_size(pool), worst);
        if (n_out >= 3) { /* a slice that starts and ends inside a group of 4 */
            const int64_t o0 = 1, o1 = n_out - 1;
            float *Ys = malloc(sizeof(float) * (size_t)(n_out * n_tok));
            CHECK(gw_matmul_rows(pool, &P, o0, o1, X, n_tok, Ys, n_out) == GW_OK);
            double ws = 0;
            for (int t = 0; t < n_tok; t++)
                for (int64_t o = o0; o < o1; o++) {
                    const double e = fabs((double)Ys[t * n_out + (o - o0)] - Yp[t * n_out + o]) /
                                     (fabs((double)Yp[t * n_out + o]) * 1e-5 + 1e-4);
                    if (!(e <= ws)) ws = e != e ? INFINITY : e;
                }
            CHECKF(ws <= 1.0, "%s n_out=%lld n_tok=%d: interleaved slice %.3g", gw_type_name(type),
                   (long long)n_out, n_tok, ws);
            free(Ys);
        }
        float *row = malloc(sizeof(float) * (size_t)n);
        int same = 1;
        for (int64_t o = 0; o < n_out; o++) {
            CHECK(gw_tensor_row(&P, o, row) == GW_OK);
            same &= memcmp(row, wd + o * n, sizeof(float) * (size_t)n) == 0;
        }
        CHECKF(same, "%s n_out=%lld: gw_tensor_row of the interleaved layout differs", gw_type_name(type), (long long)n_out);
        CHECK(gw_tensor_row(&P, n_out, row) == GW_E_INVALID && gw_tensor_row(&P, -1, row) == GW_E_INVALID);
        free(row); free(Yp); free(wp);
    }
    free(wf); free(X); free(wq); free(wd); free(Y); free(Yr);
}

static void test_matmul(void) {
    static const int types[] = { GW_TYPE_F32, GW_TYPE_F16, GW_TYPE_BF16, GW_TYPE_Q8_0, GW_TYPE_Q4_0 };
    static const int toks[] = { 1, 2, 3, 5, 9 };
    static const int64_t outs[] = { 1, 7, 37 };
    gw_pool *pools[4];
    gw_err err;
    for (int p = 0; p < 4; p++) CHECK(gw_pool_new(p + 1, &pools[p], &err) == GW_OK);
    for (int ti = 0; ti < 5; ti++) {
        const int type = types[ti], bs = gw_type_block_size(type);
        for (int ni = 0; ni < 3; ni++) {
            /* block multiples; the float types also get a length with a tail */
            int64_t n = ni == 0 ? 32 : ni == 1 ? 160 : (bs == 1 ? 77 : 64);
            for (int oi = 0; oi < 3; oi++)
                for (int k = 0; k < 5; k++)
                    check_matmul(type, n, outs[oi], toks[k], pools[(oi + k) % 4]);
        }
        check_matmul(type, 512, 67, 9, pools[2]); /* more rows than the chunk, 3 threads */
        check_matmul(type, 96, 8, 1, pools[1]);   /* whole groups of 4 only */
        check_matmul(type, 96, 8, 4, pools[0]);
    }
    /* a non-finite block scale keeps the row layout; the scalar kernels and
     * non-quantized types refuse the interleaved one */
    {
        uint8_t q[18 * 8] = { 0 };
        const uint16_t inf = 0x7c00;
        memcpy(q + 18 * 5, &inf, 2);
        gw_tensor Wn = { "w", GW_TYPE_Q4_0, 2, { 32, 8, 1, 1 }, q, sizeof q, GW_LAYOUT_ROWS };
        CHECK(gw_matmul_prepare(&Wn) == 0 && Wn.layout == GW_LAYOUT_ROWS);
        float xs[32] = { 0 }, ys[8];
        Wn.layout = GW_LAYOUT_X4;
        Wn.type = GW_TYPE_F32; /* 32 x 1 f32 fits the buffer */
        Wn.ne[1] = 1;
        CHECK(gw_matmul(pools[0], &Wn, xs, 1, ys) == GW_E_UNSUPPORTED);
        Wn.ne[1] = 8;
#ifndef GW_SIMD
        Wn.type = GW_TYPE_Q4_0;
        CHECK(gw_matmul(pools[0], &Wn, xs, 1, ys) == GW_E_UNSUPPORTED);
#endif
    }
    /* argument errors */
    float x[32] = { 0 }, y[4];
    uint8_t buf[34 * 4] = { 0 };
    gw_tensor W = { "w", GW_TYPE_Q6_K, 2, { 256, 1, 1, 1 }, buf, sizeof buf, GW_LAYOUT_ROWS };
    CHECK(gw_matmul(pools[1], &W, x, 1, y) == GW_E_UNSUPPORTED);
    W.type = GW_TYPE_Q8_0; W.ne[0] = 33;
    CHECK(gw_matmul(pools[1], &W, x, 1, y) == GW_E_UNSUPPORTED);
    W.ne[0] = 32; W.ne[1] = 4; W.nbytes = 34 * 3;
    CHECK(gw_matmul(pools[1], &W, x, 1, y) == GW_E_INVALID);
    W.nbytes = sizeof buf;
    CHECK(gw_matmul_rows(pools[1], &W, 2, 5, x, 1, y, 3) == GW_E_UNSUPPORTED);
    CHECK(gw_matmul(pools[1], &W, x, 1, y) == GW_OK && y[3] == 0.0f);
    CHECK(gw_matmul(NULL, &W, x, 1, y) == GW_OK);
    for (int p = 0; p < 4; p++) gw_pool_free(pools[p]);
}

/* ---- elementwise ops ----------------------------------------------------- */

static float max_rel(const float *a, const float *b, int n, float floor_) {
    float m = 0;
    for (int i = 0; i < n; i++) {
        float d = fabsf(a[i] - b[i]) / (fabsf(b[i]) + floor_);
        if (!(d <= m)) m = d != d ? INFINITY : d;
    }
    return m;
}

static void test_ops(void) {
    static const int sizes[] = { 1, 3, 7, 64, 129, 2048 };
    for (int si = 0; si < 6; si++) {
        const int n = sizes[si];
        float *x = randv(n, 4.0f), *w = randv(n, 1.0f), *u = randv(n, 2.0f);
        float *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n);

        gw_rmsnorm(a, x, w, n, 1e-6f);
        gw_rmsnorm_ref(b, x, w, n, 1e-6f);
        CHECKF(max_rel(a, b, n, 1e-6f) < 1e-5f, "rmsnorm n=%d", n);
        memcpy(a, x, sizeof(float) * n); /* in place */
        gw_rmsnorm(a, a, w, n, 1e-6f);
        CHECKF(max_rel(a, b, n, 1e-6f) < 1e-5f, "rmsnorm in place n=%d", n);

        gw_gelu_tanh_mul(a, x, u, n);
        gw_gelu_tanh_mul_ref(b, x, u, n);
        CHECKF(max_rel(a, b, n, 4e-2f) < 2e-5f, "gelu_tanh_mul n=%d", n);
        gw_gelu_tanh(a, x, n);
        gw_gelu_tanh_ref(b, x, n);
        CHECKF(max_rel(a, b, n, 1e-2f) < 2e-5f, "gelu_tanh n=%d", n);

        memcpy(a, x, sizeof(float) * n);
        memcpy(b, x, sizeof(float) * n);
        a[0] = b[0] = 30.0f; /* a large logit: others underflow towards 0 */
        gw_softmax(a, n);
        gw_softmax_ref(b, n);
        CHECKF(max_rel(a, b, n, 1e-7f) < 1e-5f, "softmax n=%d", n);

        memcpy(a, x, sizeof(float) * n);
        memcpy(b, x, sizeof(float) * n);
        gw_softcap(a, n, 3.0f);
        gw_softcap_ref(b, n, 3.0f);
        CHECKF(max_rel(a, b, n, 1e-3f) < 1e-5f, "softcap n=%d", n);

        float d1 = gw_dot_f32(x, w, n), d2 = gw_dot_f32_ref(x, w, n);
        CHECKF(fabsf(d1 - d2) <= 1e-5f * n, "dot n=%d", n);

        memcpy(a, u, sizeof(float) * n);
        memcpy(b, u, sizeof(float) * n);
        gw_axpy_f32(a, 0.37f, x, n);
        gw_axpy_f32_ref(b, 0.37f, x, n);
        CHECKF(max_rel(a, b, n, 1e-6f) == 0.0f, "axpy n=%d", n);
        free(x); free(w); free(u); free(a); free(b);
    }
    /* gelu at the extremes (the reference loses relative precision for
     * very negative inputs, 1 + tanh cancels: compared with a floor) */
    float e[6] = { -100.0f, -10.0f, 0.0f, 1e-3f, 10.0f, 100.0f }, g[6], gr[6];
    gw_gelu_tanh(g, e, 6);
    gw_gelu_tanh_ref(gr, e, 6);
    CHECK(max_rel(g, gr, 6, 1e-2f) < 1e-5f && fabsf(g[0]) < 1e-30f && g[5] == 100.0f);
    /* softmax of a wide spread: tiny probabilities are exactly 0, never
     * denormal (they would slow the attention sums) */
    float sm[9] = { 0.0f, -10.0f, -50.0f, -90.0f, -100.0f, -200.0f, -1e4f, 1.0f, -30.0f }, smr[9];
    memcpy(smr, sm, sizeof sm);
    gw_softmax(sm, 9);
    gw_softmax_ref(smr, 9);
    int nodenorm = 1;
    for (int i = 0; i < 9; i++) nodenorm &= fpclassify(sm[i]) != FP_SUBNORMAL && fpclassify(smr[i]) != FP_SUBNORMAL;
    CHECK(nodenorm && sm[2] == 0.0f && sm[6] == 0.0f && smr[5] == 0.0f && sm[1] > 0.0f);
    CHECK(max_rel(sm, smr, 9, 1e-7f) < 1e-5f);
    float ay[3] = { 1.0f, 2.0f, 3.0f }, ax[3] = { 1.0f, 1.0f, 1.0f };
    gw_axpy_f32(ay, 0.0f, ax, 3);
    CHECK(ay[0] == 1.0f && ay[2] == 3.0f);
    /* rope: the known rotation at pos 1 of dim pair 0 (inv_freq 1) */
    for (int rd = 2; rd <= 256; rd *= 4) {
        float *r1 = randv(rd + 2, 1.0f), *r2 = malloc(sizeof(float) * (rd + 2));
        memcpy(r2, r1, sizeof(float) * (rd + 2));
        gw_rope(r1, rd, 4097, 10000.0f);
        gw_rope_ref(r2, rd, 4097, 10000.0f);
        CHECKF(max_rel(r1, r2, rd + 2, 1e-3f) < 1e-5f, "rope rot_dim=%d", rd);
        free(r1); free(r2);
    }
    float v[4] = { 1.0f, 0.0f, 0.0f, 1.0f };
    gw_rope(v, 4, 1, 10000.0f); /* pair (0,2): angle 1; pair (1,3): angle 0.01 */
    CHECK(fabsf(v[0] - cosf(1.0f)) < 1e-6f && fabsf(v[2] - sinf(1.0f)) < 1e-6f);
    CHECK(fabsf(v[1] + sinf(0.01f)) < 1e-6f && fabsf(v[3] - cosf(0.01f)) < 1e-6f);
    CHECK(strcmp(gw_kernels_simd_name(), "simd128") == 0 || strcmp(gw_kernels_simd_name(), "scalar") == 0);
}

int main(void) {
    test_types();
    test_quant();
    test_matmul();
    test_ops();
#ifdef GW_SIMD
    return test_summary("test_kernels");
#else
    return test_summary("test_kernels (scalar)");
#endif
}
