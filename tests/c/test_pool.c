/* test_pool.c — the thread pool (core/kernels/pool.c): every job calls the
 * task exactly once per thread index with the right nth, jobs run back to
 * back thousands of times (the decode pattern) without losing or repeating
 * a share, pools of 1..4 threads, the NULL pool, the scratch buffer, and
 * gw_read_buffer's checksum being independent of the thread count. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_internal.h"
#include "testutil.h"

typedef struct {
    atomic_int calls[8];
    atomic_int bad_nth;
    int expect_nth;
    long long *rows_sum; /* per-thread share of a row range */
    int64_t n_rows;
} job;

static void task(void *arg, int ith, int nth) {
    job *j = arg;
    if (nth != j->expect_nth || ith < 0 || ith >= nth) { atomic_fetch_add(&j->bad_nth, 1); return; }
    atomic_fetch_add(&j->calls[ith], 1);
    /* an equal share of rows, like the kernels split them */
    int64_t r0 = j->n_rows * ith / nth, r1 = j->n_rows * (ith + 1) / nth;
    long long s = 0;
    for (int64_t r = r0; r < r1; r++) s += r;
    j->rows_sum[ith] += s;
}

static void test_runs(int nthreads, int runs) {
    gw_pool *p;
    gw_err err;
    CHECK(gw_pool_new(nthreads, &p, &err) == GW_OK);
    const int nth = gw_pool_size(p);
    CHECK(nth == (nthreads < 1 ? 1 : nthreads));
    job j;
    memset(&j, 0, sizeof j);
    j.expect_nth = nth;
    j.n_rows = 1001;
    long long sums[8] = { 0 };
    j.rows_sum = sums;
    for (int r = 0; r < runs; r++) gw_pool_run(p, task, &j);
    int ok = atomic_load(&j.bad_nth) == 0;
    for (int i = 0; i < nth; i++) ok &= atomic_load(&j.calls[i]) == runs;
    CHECKF(ok, "threads=%d: each index once per run", nthreads);
    long long total = 0;
    for (int i = 0; i < nth; i++) total += sums[i];
    CHECKF(total == (long long)runs * (1000LL * 1001 / 2), "threads=%d: row sum %lld", nthreads, total);
    /* shares differ by at most one row */
    int64_t mn = j.n_rows, mx = 0;
    for (int i = 0; i < nth; i++) {
        int64_t len = j.n_rows * (i + 1) / nth - j.n_rows * i / nth;
        if (len < mn) mn = len;
        if (len > mx) mx = len;
    }
    CHECK(mx - mn <= 1);
    /* scratch: grows, keeps its contents' size, NULL pool gives NULL */
    char *s1 = gw_pool_scratch(p, 100);
    CHECK(s1 != NULL);
    memset(s1, 1, 100);
    char *s2 = gw_pool_scratch(p, 1 << 20);
    CHECK(s2 != NULL);
    memset(s2, 2, 1 << 20);
    gw_pool_free(p);
}

static void nop(void *arg, int ith, int nth) { (void)arg; (void)ith; (void)nth; }

int main(void) {
    for (int n = 0; n <= 4; n++) test_runs(n, n == 2 ? 3000 : 200); /* 3-4 threads oversubscribe 2 cores: fewer */
    /* NULL pool runs inline with nth 1 */
    job j;
    memset(&j, 0, sizeof j);
    long long sums[8] = { 0 };
    j.rows_sum = sums;
    j.expect_nth = 1;
    j.n_rows = 10;
    gw_pool_run(NULL, task, &j);
    CHECK(atomic_load(&j.calls[0]) == 1 && sums[0] == 45);
    CHECK(gw_pool_size(NULL) == 1 && gw_pool_scratch(NULL, 10) == NULL);
    gw_pool_free(NULL);
    /* many pools started and stopped (threads joined; ASan/valgrind clean) */
    for (int i = 0; i < 20; i++) {
        gw_pool *p;
        gw_err err;
        CHECK(gw_pool_new(3, &p, &err) == GW_OK);
        gw_pool_run(p, nop, NULL);
        gw_pool_free(p);
    }
    /* gw_read_buffer: same checksum with 1 and 3 threads */
    size_t bytes = 64 * 1000;
    uint8_t *buf = malloc(bytes);
    unsigned st = 5;
    for (size_t i = 0; i < bytes; i++) buf[i] = (uint8_t)test_rand(&st);
    gw_pool *p1, *p3;
    gw_err err;
    CHECK(gw_pool_new(1, &p1, &err) == GW_OK && gw_pool_new(3, &p3, &err) == GW_OK);
    uint32_t c1 = gw_read_buffer(p1, buf, bytes), c3 = gw_read_buffer(p3, buf, bytes);
    uint32_t c = 0;
    for (size_t i = 0; i < bytes; i += 4) { uint32_t w; memcpy(&w, buf + i, 4); c ^= w; }
    CHECK(c1 == c3 && c1 == c);
    gw_pool_free(p1);
    gw_pool_free(p3);
    free(buf);
    return test_summary("test_pool");
}
