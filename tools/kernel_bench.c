/* kernel_bench.c — a developer tool (not a test): times gw_matmul on one
 * large weight matrix for each weight type, as decode (1 token) and as a
 * prefill batch, next to gw_read_buffer's bandwidth, so kernel changes can
 * be judged without a whole model. Build natively:
 *   cc -O3 -march=native -DGW_SIMD=1 -DGW_SIMDE=1 -Icore -Icore/include -Icore/kernels \
 *      tools/kernel_bench.c core/types.c core/common.c core/kernels/*.c -lm -lpthread
 * or with emcc (-msimd128 -pthread -DGW_SIMD=1 -sPTHREAD_POOL_SIZE=4 ...).
 * usage: kernel_bench [threads] [n_in] [n_out] [batch] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels_internal.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    int64_t n = argc > 2 ? atoll(argv[2]) : 2048, n_out = argc > 3 ? atoll(argv[3]) : 16384;
    int batch = argc > 4 ? atoi(argv[4]) : 64;
    gw_pool *pool;
    gw_err err;
    if (gw_pool_new(threads, &pool, &err)) return 1;
    float *X = malloc(sizeof(float) * (size_t)(n * batch)), *Y = malloc(sizeof(float) * (size_t)(n_out * batch));
    for (int64_t i = 0; i < n * batch; i++) X[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    size_t bw_bytes = (size_t)256 << 20;
    uint8_t *buf = malloc(bw_bytes);
    memset(buf, 1, bw_bytes);
    double best = 1e9;
    uint32_t sink = 0;
    for (int r = 0; r < 5; r++) {
        double t = now_s();
        sink ^= gw_read_buffer(pool, buf, bw_bytes);
        t = now_s() - t;
        if (t < best) best = t;
    }
    printf("%s, %d threads: read bandwidth %.2f GB/s\n", gw_kernels_simd_name(), threads, bw_bytes / best * 1e-9);
    free(buf);
    static const int types[] = { GW_TYPE_Q4_0, GW_TYPE_Q8_0, GW_TYPE_F16, GW_TYPE_BF16, GW_TYPE_F32 };
    for (int k = 0; k < 5; k++) {
        const int type = types[k];
        const size_t rb = gw_type_row_bytes(type, n), bytes = rb * (size_t)n_out;
        uint8_t *w = malloc(bytes);
        float *row = malloc(sizeof(float) * (size_t)n);
        uint64_t s = 88172645463325252ull;
        for (int64_t o = 0; o < n_out; o++) { /* weights like a model's: uniform in +-0.05 */
            for (int64_t i = 0; i < n; i++) {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                row[i] = (float)((s >> 40) * (1.0 / 16777216.0) - 0.5) * 0.1f;
            }
            gw_quantize_row(type, row, w + (size_t)o * rb, n);
        }
        free(row);
        gw_tensor W = { "w", type, 2, { n, n_out, 1, 1 }, w, bytes, GW_LAYOUT_ROWS };
        gw_matmul_prepare(&W); /* the layout the model uses (q4_0/q8_0 in SIMD builds) */
        double bd = 1e9, bp = 1e9;
        for (int r = 0; r < 5; r++) {
            double t = now_s();
            gw_matmul(pool, &W, X, 1, Y);
            t = now_s() - t;
            if (t < bd) bd = t;
        }
        for (int r = 0; r < 2; r++) {
            double t = now_s();
            gw_matmul(pool, &W, X, batch, Y);
            t = now_s() - t;
            if (t < bp) bp = t;
        }
        printf("%-5s %5lldx%-6lld %7.1f MB: decode %6.2f ms = %6.2f GB/s | batch %d: %7.2f ms = %6.1f GMAC/s, %5.2f ms/token (%.1fx decode)\n",
               gw_type_name(type), (long long)n, (long long)n_out, bytes / 1e6, bd * 1e3, bytes / bd * 1e-9, batch,
               bp * 1e3, (double)n * n_out * batch / bp * 1e-9, bp * 1e3 / batch, bd / (bp / batch));
        free(w);
    }
    printf("(checksum %u)\n", sink & 1);
    free(X); free(Y);
    gw_pool_free(pool);
    return 0;
}
