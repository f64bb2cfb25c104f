/* test_griffin_kernels.c — the RG-LRU, causal conv1d and block-diagonal
 * gate kernels (core/kernels/rglru.c): SIMD128 entry points against the
 * scalar references, both against formulas evaluated in double, and
 * chunked runs (prefill in pieces, token by token) against one run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rglru.h"
#include "testutil.h"

static unsigned rng = 12345u;

static float *randv(size_t n, float scale) {
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = test_randf(&rng) * scale;
    return v;
}

static float max_abs_diff(const float *a, const float *b, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float d = fabsf(a[i] - b[i]);
        if (d > m || d != d) m = d != d ? INFINITY : d;
    }
    return m;
}

static void test_conv1d(int n, int c, int K) {
    float *in = randv((size_t)n * c, 1.0f), *w = randv((size_t)K * c, 0.5f), *b = randv(c, 0.5f);
    float *o_ref = calloc((size_t)n * c, 4), *o_simd = calloc((size_t)n * c, 4);
    float *o_chunk = calloc((size_t)n * c, 4);
    int ns = K > 1 ? K - 1 : 1;
    float *s_ref = calloc((size_t)ns * c, 4), *s_simd = calloc((size_t)ns * c, 4);
    float *s_chunk = calloc((size_t)ns * c, 4);
    gw_conv1d_causal_ref(o_ref, in, n, c, w, b, K, s_ref);
    gw_conv1d_causal(o_simd, in, n, c, w, b, K, s_simd);
    /* the formula, in double, zero history */
    double maxd = 0;
    for (int t = 0; t < n; t++)
        for (int ch = 0; ch < c; ch++) {
            double s = b[ch];
            for (int k = 0; k < K; k++) {
                int j = t - (K - 1) + k;
                if (j >= 0) s += (double)w[k * c + ch] * in[(size_t)j * c + ch];
            }
            double d = fabs(s - o_ref[(size_t)t * c + ch]);
            if (d > maxd) maxd = d;
        }
    CHECKF(maxd < 1e-5, "conv1d ref vs double n=%d c=%d K=%d: %g", n, c, K, maxd);
    CHECKF(max_abs_diff(o_ref, o_simd, (size_t)n * c) < 1e-5f, "conv1d simd vs ref n=%d c=%d K=%d", n, c, K);
    /* chunks of 1, 2, 3, ... tokens carry the state exactly */
    for (int t = 0, step = 1; t < n; t += step, step++) {
        int m = n - t < step ? n - t : step;
        gw_conv1d_causal(o_chunk + (size_t)t * c, in + (size_t)t * c, m, c, w, b, K, s_chunk);
    }
    CHECKF(max_abs_diff(o_ref, o_chunk, (size_t)n * c) < 1e-5f, "conv1d chunked n=%d c=%d K=%d", n, c, K);
    if (K > 1) {
        CHECK(max_abs_diff(s_ref, s_simd, (size_t)(K - 1) * c) == 0.0f);
        CHECK(max_abs_diff(s_ref, s_chunk, (size_t)(K - 1) * c) == 0.0f);
        if (n >= K - 1) /* state = last K-1 inputs */
            CHECK(!memcmp(s_ref, in + (size_t)(n - (K - 1)) * c, (size_t)(K - 1) * c * 4));
    }
    free(in); free(w); free(b); free(o_ref); free(o_simd); free(o_chunk);
    free(s_ref); free(s_simd); free(s_chunk);
}

static void test_blockdiag(gw_pool *pool, int n, int nb, int bw, int with_bias) {
    int c = nb * bw;
    float *x = randv((size_t)n * c, 1.0f), *W = randv((size_t)nb * bw * bw, 0.3f);
    float *b = with_bias ? randv(c, 0.5f) : NULL;
    float *y_ref = calloc((size_t)n * c, 4), *y = calloc((size_t)n * c, 4);
    gw_blockdiag_matmul_ref(y_ref, x, n, W, b, nb, bw);
    gw_blockdiag_matmul(pool, y, x, n, W, b, nb, bw);
    double maxd = 0;
    for (int t = 0; t < n; t++)
        for (int h = 0; h < nb; h++)
            for (int j = 0; j < bw; j++) {
                double s = b ? b[h * bw + j] : 0.0;
                for (int i = 0; i < bw; i++)
                    s += (double)x[(size_t)t * c + h * bw + i] * W[((size_t)h * bw + i) * bw + j];
                double d = fabs(s - y_ref[(size_t)t * c + h * bw + j]);
                if (d > maxd) maxd = d;
            }
    CHECKF(maxd < 1e-4, "blockdiag ref vs double n=%d nb=%d bw=%d: %g", n, nb, bw, maxd);
    CHECKF(max_abs_diff(y_ref, y, (size_t)n * c) < 1e-4f, "blockdiag simd vs ref n=%d nb=%d bw=%d: %g",
           n, nb, bw, max_abs_diff(y_ref, y, (size_t)n * c));
    free(x); free(W); free(b); free(y_ref); free(y);
}

static void test_rglru(int n, int c, int pos0, int with_y) {
    size_t nc = (size_t)n * c;
    float *x = randv(nc, 2.0f), *gx = randv(nc, 4.0f), *ga = randv(nc, 4.0f);
    float *y = with_y ? randv(nc, 1.0f) : NULL;
    float *param = randv(c, 3.0f), *scale = malloc(c * 4);
    param[0] = 25.0f; /* softplus threshold branch */
    float *h0 = randv(c, 1.0f);
    float *h_ref = malloc(c * 4), *h_simd = malloc(c * 4), *h_chunk = malloc(c * 4);
    memcpy(h_ref, h0, c * 4); memcpy(h_simd, h0, c * 4); memcpy(h_chunk, h0, c * 4);
    float *o_ref = malloc(nc * 4), *o_simd = malloc(nc * 4), *o_chunk = malloc(nc * 4);
    gw_rglru_log_a_scale(scale, param, c);
    CHECK(fabsf(scale[0] - (-8.0f * 25.0f)) < 1e-3f);
    gw_rglru_ref(o_ref, x, gx, ga, y, scale, h_ref, n, c, pos0);
    gw_rglru(o_simd, x, gx, ga, y, scale, h_simd, n, c, pos0);
    /* the formula, in double */
    double maxd = 0, hmax = 0;
    double *hd = malloc(c * sizeof *hd);
    for (int ch = 0; ch < c; ch++) hd[ch] = h0[ch];
    for (int t = 0; t < n; t++)
        for (int ch = 0; ch < c; ch++) {
            size_t i = (size_t)t * c + ch;
            double sp = param[ch] > 20 ? param[ch] : log1p(exp(param[ch]));
            double sgx = 1 / (1 + exp(-gx[i])), sga = 1 / (1 + exp(-ga[i]));
            double la = -8.0 * sga * sp, a = exp(la), m = sqrt(1 - exp(2 * la));
            if (pos0 + t == 0) { a = 0; m = 1; }
            hd[ch] = a * hd[ch] + x[i] * sgx * m;
            double o = y ? hd[ch] * y[i] : hd[ch];
            double d = fabs(o - o_ref[i]);
            if (d > maxd) maxd = d;
            if (fabs(o) > hmax) hmax = fabs(o);
        }
    CHECKF(maxd < 1e-4 * (1 + hmax), "rglru ref vs double n=%d c=%d pos0=%d: %g", n, c, pos0, maxd);
    float ds = max_abs_diff(o_ref, o_simd, nc);
    CHECKF(ds < 1e-5f * (1 + (float)hmax), "rglru simd vs ref n=%d c=%d pos0=%d: %g", n, c, pos0, ds);
    CHECK(max_abs_diff(h_ref, h_simd, c) < 1e-5f * (1 + (float)hmax));
    /* token by token (decode) equals the whole run */
    for (int t = 0; t < n; t++) {
        size_t r = (size_t)t * c;
        gw_rglru(o_chunk + r, x + r, gx + r, ga + r, y ? y + r : NULL, scale, h_chunk, 1, c, pos0 + t);
    }
    CHECKF(max_abs_diff(o_simd, o_chunk, nc) == 0.0f, "rglru decode vs prefill n=%d c=%d", n, c);
    /* in place: out aliases x */
    float *xa = malloc(nc * 4);
    memcpy(xa, x, nc * 4);
    memcpy(h_chunk, h0, c * 4);
    gw_rglru(xa, xa, gx, ga, y, scale, h_chunk, n, c, pos0);
    CHECK(max_abs_diff(o_simd, xa, nc) == 0.0f);
    free(xa); free(hd);
    free(x); free(gx); free(ga); free(y); free(param); free(scale); free(h0);
    free(h_ref); free(h_simd); free(h_chunk); free(o_ref); free(o_simd); free(o_chunk);
}

int main(void) {
    int shapes[][3] = {{1, 8, 4}, {5, 64, 4}, {7, 13, 4}, {2, 12, 4}, {9, 20, 3}, {4, 6, 1}, {33, 64, 4}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        test_conv1d(shapes[i][0], shapes[i][1], shapes[i][2]);

    gw_pool *pool = NULL;
    gw_err err;
    CHECK(gw_pool_new(2, &pool, &err) == GW_OK);
    int bd[][3] = {{1, 4, 16}, {5, 4, 16}, {9, 2, 12}, {3, 3, 5}, {4, 10, 32}, {1, 1, 1}};
    for (size_t i = 0; i < sizeof bd / sizeof bd[0]; i++) {
        test_blockdiag(NULL, bd[i][0], bd[i][1], bd[i][2], 1);
        test_blockdiag(pool, bd[i][0], bd[i][1], bd[i][2], (int)(i & 1));
    }
    gw_pool_free(pool);

    test_rglru(1, 8, 0, 0);
    test_rglru(17, 64, 0, 1);
    test_rglru(6, 13, 0, 1);
    test_rglru(5, 64, 40, 1);
    test_rglru(3, 7, 9, 0);
    return test_summary("test_griffin_kernels");
}
