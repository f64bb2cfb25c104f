/* membench.c — a streaming read over a buffer, split across the pool's
 * threads the same way matmul splits weight rows, so `gemwasm bench` can
 * measure the read bandwidth one process reaches with its thread count. */
#include "kernels.h"

#if defined(GW_SIMD)
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif
#endif

typedef struct {
    const uint8_t *buf;
    size_t bytes;
    uint32_t part[64];
} read_task;

static void read_worker(void *arg, int ith, int nth) {
    read_task *t = arg;
    size_t blocks = t->bytes / 64;
    size_t b0 = blocks * (size_t)ith / nth, b1 = blocks * (size_t)(ith + 1) / nth;
    const uint8_t *p = t->buf;
#if defined(GW_SIMD)
    v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (size_t b = b0; b < b1; b++) {
        const uint8_t *q = p + b * 64;
        a0 = wasm_v128_xor(a0, wasm_v128_load(q));
        a1 = wasm_v128_xor(a1, wasm_v128_load(q + 16));
        a2 = wasm_v128_xor(a2, wasm_v128_load(q + 32));
        a3 = wasm_v128_xor(a3, wasm_v128_load(q + 48));
    }
    v128_t a = wasm_v128_xor(wasm_v128_xor(a0, a1), wasm_v128_xor(a2, a3));
    uint32_t r = wasm_i32x4_extract_lane(a, 0) ^ wasm_i32x4_extract_lane(a, 1) ^
                 wasm_i32x4_extract_lane(a, 2) ^ wasm_i32x4_extract_lane(a, 3);
#else
    uint64_t r64 = 0;
    for (size_t b = b0; b < b1; b++) {
        const uint64_t *q = (const uint64_t *)(p + b * 64);
        r64 ^= q[0] ^ q[1] ^ q[2] ^ q[3] ^ q[4] ^ q[5] ^ q[6] ^ q[7];
    }
    uint32_t r = (uint32_t)(r64 ^ (r64 >> 32));
#endif
    if (ith < 64) t->part[ith] = r;
}

uint32_t gw_read_buffer(gw_pool *pool, const void *buf, size_t bytes) {
    read_task t = {buf, bytes, {0}};
    gw_pool_run(pool, read_worker, &t);
    uint32_t r = 0;
    for (int i = 0; i < 64; i++) r ^= t.part[i];
    return r;
}
