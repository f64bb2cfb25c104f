/* test_gguf_build.h — a byte-level GGUF builder for the loader tests, able to
 * write malformed files on purpose (header-only helpers, static inline). */
#ifndef GW_TEST_GGUF_BUILD_H
#define GW_TEST_GGUF_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct bbuf { uint8_t *p; size_t len, cap; } bbuf;

static inline void bb_put(bbuf *b, const void *src, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        b->p = realloc(b->p, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, src, n);
    b->len += n;
}
static inline void bb_u8(bbuf *b, uint8_t v) { bb_put(b, &v, 1); }
static inline void bb_u16(bbuf *b, uint16_t v) { uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; bb_put(b, x, 2); }
static inline void bb_u32(bbuf *b, uint32_t v) {
    uint8_t x[4];
    for (int i = 0; i < 4; i++) x[i] = (uint8_t)(v >> (8 * i));
    bb_put(b, x, 4);
}
static inline void bb_u64(bbuf *b, uint64_t v) {
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (8 * i));
    bb_put(b, x, 8);
}
static inline void bb_f32(bbuf *b, float f) { uint32_t u; memcpy(&u, &f, 4); bb_u32(b, u); }
static inline void bb_str(bbuf *b, const char *s) { bb_u64(b, strlen(s)); bb_put(b, s, strlen(s)); }
static inline void bb_pad(bbuf *b, size_t align) { while (b->len % align) bb_u8(b, 0); }
static inline void bb_free(bbuf *b) { free(b->p); b->p = NULL; b->len = b->cap = 0; }

/* header start */
static inline void bb_header(bbuf *b, uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    bb_put(b, "GGUF", 4);
    bb_u32(b, version);
    bb_u64(b, n_tensors);
    bb_u64(b, n_kv);
}
static inline void bb_kv_u32(bbuf *b, const char *k, uint32_t v) { bb_str(b, k); bb_u32(b, 4); bb_u32(b, v); }
static inline void bb_kv_u16(bbuf *b, const char *k, uint16_t v) { bb_str(b, k); bb_u32(b, 2); bb_u16(b, v); }
static inline void bb_kv_i32(bbuf *b, const char *k, int32_t v) { bb_str(b, k); bb_u32(b, 5); bb_u32(b, (uint32_t)v); }
static inline void bb_kv_f32(bbuf *b, const char *k, float v) { bb_str(b, k); bb_u32(b, 6); bb_f32(b, v); }
static inline void bb_kv_bool(bbuf *b, const char *k, int v) { bb_str(b, k); bb_u32(b, 7); bb_u8(b, (uint8_t)v); }
static inline void bb_kv_str(bbuf *b, const char *k, const char *v) { bb_str(b, k); bb_u32(b, 8); bb_str(b, v); }
static inline void bb_tinfo(bbuf *b, const char *name, int ndim, const uint64_t *ne, uint32_t type, uint64_t off) {
    bb_str(b, name);
    bb_u32(b, (uint32_t)ndim);
    for (int i = 0; i < ndim; i++) bb_u64(b, ne[i]);
    bb_u32(b, type);
    bb_u64(b, off);
}

#endif
