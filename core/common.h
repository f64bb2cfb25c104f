/* common.h — internal definitions shared by core/, loader/ and cli/:
 * error helpers, tensor types (GGML ids), the gw_tensor view, fp16/bf16.
 */
#ifndef GW_COMMON_H
#define GW_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gemwasm.h"

/* Set err (may be NULL) and return code. printf-style message. */
int gw_set_err(gw_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static inline void gw_err_clear(gw_err *err) {
    if (err) { err->code = GW_OK; err->msg[0] = 0; }
}

/* ---- tensor types: numeric ids are GGML's, as stored in GGUF ------------ */
typedef enum gw_type {
    GW_TYPE_F32 = 0,
    GW_TYPE_F16 = 1,
    GW_TYPE_Q4_0 = 2,
    GW_TYPE_Q8_0 = 8,
    GW_TYPE_Q4_K = 12,
    GW_TYPE_Q5_K = 13,
    GW_TYPE_Q6_K = 14,
    GW_TYPE_BF16 = 30,
    GW_TYPE_COUNT = 40 /* ids are < this */
} gw_type;

/* Block layouts, byte-identical to GGML's. */
#define GW_QK8_0 32
typedef struct { uint16_t d; int8_t qs[GW_QK8_0]; } gw_block_q8_0;      /* 34 bytes */
#define GW_QK4_0 32
typedef struct { uint16_t d; uint8_t qs[GW_QK4_0 / 2]; } gw_block_q4_0; /* 18 bytes */
/* q4_0: element j (j < 16) is (qs[j] & 15) - 8, element j+16 is (qs[j] >> 4) - 8;
 * value = d * q, d an IEEE half. q8_0: value = d * qs[j]. */

/* Type traits (core/types.c). Unknown ids: block_size 0. */
int gw_type_block_size(int type);   /* elements per block (1 for float types) */
int gw_type_block_bytes(int type);  /* bytes per block */
const char *gw_type_name(int type); /* "f32", "q4_0", ... or NULL */
int gw_type_from_name(const char *name); /* -1 if unknown */
/* Bytes for n elements (n must be a multiple of the block size: else 0). */
size_t gw_type_row_bytes(int type, int64_t n);

/* A tensor view. ne[] is in GGUF/GGML order: ne[0] is the innermost
 * (contiguous) dimension, so a PyTorch Linear weight [out, in] has
 * ne[0] = in, ne[1] = out. data is not owned. layout says how the bytes are
 * arranged: GW_LAYOUT_ROWS (0) is GGUF's row by row; GW_LAYOUT_X4 is the
 * SIMD kernels' interleaved form of q4_0/q8_0 weights (gw_matmul_prepare
 * in core/kernels/repack.c), read with gw_tensor_row and gw_matmul only. */
#define GW_MAX_DIMS 4
enum { GW_LAYOUT_ROWS = 0, GW_LAYOUT_X4 = 1 };
typedef struct gw_tensor {
    const char *name;
    int type;
    int ndim;
    int64_t ne[GW_MAX_DIMS]; /* unused dims are 1 */
    void *data;
    size_t nbytes;
    int layout;
} gw_tensor;

static inline int64_t gw_tensor_nelements(const gw_tensor *t) {
    return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
}

/* ---- half precision conversions (exact, round-to-nearest-even) ---------- */
static inline float gw_f32_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t gw_bits_from_f32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static inline float gw_bf16_to_f32(uint16_t h) { return gw_f32_from_bits((uint32_t)h << 16); }
static inline uint16_t gw_f32_to_bf16(float f) {
    uint32_t u = gw_bits_from_f32(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* NaN stays NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}
float gw_f16_to_f32(uint16_t h);   /* core/types.c */
uint16_t gw_f32_to_f16(float f);   /* core/types.c, RNE, saturates to inf */

#endif
