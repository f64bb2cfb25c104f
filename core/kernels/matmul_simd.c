/* matmul_simd.c — SIMD128 row kernels of gw_matmul (wasm SIMD128, natively
 * through SIMDe): activation quantization to int16-widened q8_0 blocks, the
 * integer-dot kernels for q4_0/q8_0 weights (i32x4.dot_i16x8) and the float
 * kernels for f32/f16/bf16 weights. Each kernel computes a tile of up to
 * TILE_TOK tokens per weight row, so a weight block is loaded and unpacked
 * once for all the tokens of the tile; rows are walked in chunks of
 * ROW_CHUNK so the chunk stays in cache while the token tiles go by.
 * The scalar twins are in matmul_ref.c; tests/c/test_kernels.c compares. */
#include <math.h>

#include "kernels_internal.h"

#ifdef GW_SIMD
#include "simd128.h"

/* Tokens per tile: 8 natively (32 vector registers with AVX-512 through
 * SIMDe), 4 in wasm (V8 has 16 on x64; 8 measured slower there). */
#if defined(__wasm__)
#define TILE_TOK 4
#else
#define TILE_TOK 8
#endif
#define ROW_CHUNK 16
#define X4_CHUNK_BYTES (256 << 10) /* x4 prefill: weight bytes per chunk of groups */

/* ---- helpers ------------------------------------------------------------ */

/* Four halves (in the low 16 bits of u32 lanes) to f32, exactly: the
 * half's exponent and mantissa shifted into f32 position are the value
 * times 2^-112 (subnormal halves included), inf/nan get the full exponent.
 * (A subnormal half makes the multiply slow on x86; weights rarely are.) */
GW_INLINE v128_t half4_to_f32(v128_t h) {
    const v128_t em = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
    v128_t f = wasm_f32x4_mul(em, wasm_f32x4_splat(0x1p112f));
    const v128_t infnan = wasm_i32x4_gt(em, wasm_i32x4_splat(0x0f7fffff)); /* exponent 31 */
    f = wasm_v128_or(f, wasm_v128_and(infnan, wasm_i32x4_splat(0x7f800000)));
    return wasm_v128_or(f, wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16));
}

/* The f16 scales of 4 consecutive blocks (block_bytes apart) as f32. */
GW_INLINE void block_scales4(const uint8_t *blk, size_t block_bytes, float *out) {
    uint16_t h0, h1, h2, h3;
    memcpy(&h0, blk, 2);
    memcpy(&h1, blk + block_bytes, 2);
    memcpy(&h2, blk + 2 * block_bytes, 2);
    memcpy(&h3, blk + 3 * block_bytes, 2);
    wasm_v128_store(out, half4_to_f32(wasm_i32x4_make(h0, h1, h2, h3)));
}

/* roundf (half away from zero) on four lanes, exactly: |v| < 2^23 here. */
GW_INLINE v128_t round_away(v128_t v) {
    v128_t t = wasm_f32x4_trunc(v);
    v128_t frac = wasm_f32x4_abs(wasm_f32x4_sub(v, t));
    v128_t one = wasm_v128_or(wasm_f32x4_splat(1.0f),
                              wasm_v128_and(v, wasm_i32x4_splat((int32_t)0x80000000u)));
    v128_t bump = wasm_v128_and(one, wasm_f32x4_ge(frac, wasm_f32x4_splat(0.5f)));
    return wasm_f32x4_add(t, bump);
}

void gw_quantize_x_q16(const float *x, int64_t n, int n_tok, gw_xq16 *xq) {
    const int64_t nb = n / GW_QK8_0;
    for (int t = 0; t < n_tok; t++) {
        for (int64_t b = 0; b < nb; b++) {
            const float *xb = x + (size_t)t * n + b * GW_QK8_0;
            int16_t *q = xq->q + (size_t)t * n + b * GW_QK8_0;
            v128_t v[8], m = wasm_f32x4_splat(0.0f);
            for (int k = 0; k < 8; k++) {
                v[k] = wasm_v128_load(xb + 4 * k);
                m = wasm_f32x4_max(m, wasm_f32x4_abs(v[k]));
            }
            const float amax = gw_hmax_f32x4(m);
            const float d = amax / 127.0f;
            const float id = d != 0.0f ? 1.0f / d : 0.0f;
            xq->d[(size_t)t * nb + b] = gw_f16_to_f32(gw_f32_to_f16(d));
            const v128_t vid = wasm_f32x4_splat(id);
            v128_t h[4], sum = wasm_i32x4_splat(0);
            for (int k = 0; k < 8; k += 2) { /* h[k/2]: elements 8(k/2) .. 8(k/2)+7 */
                v128_t a = wasm_i32x4_trunc_sat_f32x4(round_away(wasm_f32x4_mul(v[k], vid)));
                v128_t c = wasm_i32x4_trunc_sat_f32x4(round_away(wasm_f32x4_mul(v[k + 1], vid)));
                sum = wasm_i32x4_add(sum, wasm_i32x4_add(a, c));
                h[k / 2] = wasm_i16x8_narrow_i32x4(a, c);
            }
            /* to the even/odd order of the block layout (kernels_internal.h) */
            wasm_v128_store(q, wasm_i8x16_shuffle(h[0], h[1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29));
            wasm_v128_store(q + 8, wasm_i8x16_shuffle(h[0], h[1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31));
            wasm_v128_store(q + 16, wasm_i8x16_shuffle(h[2], h[3], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29));
            wasm_v128_store(q + 24, wasm_i8x16_shuffle(h[2], h[3], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31));
            sum = wasm_i32x4_add(sum, wasm_i32x4_shuffle(sum, sum, 2, 3, 0, 1));
            sum = wasm_i32x4_add(sum, wasm_i32x4_shuffle(sum, sum, 1, 0, 3, 2));
            xq->s[(size_t)t * nb + b] = wasm_i32x4_extract_lane(sum, 0);
        }
    }
}

/* ---- q8_0 / q4_0 weights ------------------------------------------------ */

/* One weight block as four i16x8 in the activation layout's order (even
 * elements 0..14, odd 1..15, even 16..30, odd 17..31), shifts and masks
 * only. q4_0 nibbles stay unsigned (0..15) unless sub8: the -8 is then
 * applied by the caller through the activation block sums. */
GW_INLINE void unpack_block(int qtype, const uint8_t *blk, v128_t *w, int sub8) {
    if (qtype == GW_TYPE_Q8_0) {
        const v128_t v0 = wasm_v128_load(blk + 2), v1 = wasm_v128_load(blk + 18);
        w[0] = wasm_i16x8_shr(wasm_i16x8_shl(v0, 8), 8);
        w[1] = wasm_i16x8_shr(v0, 8);
        w[2] = wasm_i16x8_shr(wasm_i16x8_shl(v1, 8), 8);
        w[3] = wasm_i16x8_shr(v1, 8);
    } else { /* q4_0: byte j holds element j (low nibble) and j + 16 (high) */
        const v128_t v = wasm_v128_load(blk + 2), m = wasm_i16x8_splat(0x0F);
        w[0] = wasm_v128_and(v, m);
        w[1] = wasm_v128_and(wasm_u16x8_shr(v, 8), m);
        w[2] = wasm_v128_and(wasm_u16x8_shr(v, 4), m);
        w[3] = wasm_u16x8_shr(v, 12);
        if (sub8) {
            const v128_t k8 = wasm_i16x8_splat(8);
            for (int k = 0; k < 4; k++) w[k] = wasm_i16x8_sub(w[k], k8);
        }
    }
}

/* Integer dot of one unpacked block with 32 int16 activations (i32x4 partial sums). */
GW_INLINE v128_t block_dot(const v128_t *w, const int16_t *x) {
    return wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_dot_i16x8(w[0], wasm_v128_load(x)),
                                         wasm_i32x4_dot_i16x8(w[1], wasm_v128_load(x + 8))),
                          wasm_i32x4_add(wasm_i32x4_dot_i16x8(w[2], wasm_v128_load(x + 16)),
                                         wasm_i32x4_dot_i16x8(w[3], wasm_v128_load(x + 24))));
}

/* One weight row against NT tokens (NT and qtype constants at each call
 * site). Blocks go in groups of 4 so their f16 scales convert in one vector
 * and the 4 x NT products of weight and activation scales in NT vector
 * multiplies. The block loop is kept rolled, one block per iteration: in
 * wasm, LLVM hoists every load of an unrolled group to its top and V8
 * (16 vector registers on x64) then spills. Decode of q4_0 keeps the
 * nibbles unsigned and subtracts 8 * sum(x) * scale once per group. */
GW_INLINE void q_tile(int qtype, const uint8_t *row, int64_t nb, int64_t n, const int16_t *xq,
                      const float *xd, const int32_t *xs, int NT, float *res) {
    const size_t bb = qtype == GW_TYPE_Q8_0 ? sizeof(gw_block_q8_0) : sizeof(gw_block_q4_0);
    const int unsigned_q4 = qtype == GW_TYPE_Q4_0 && NT == 1;
    v128_t acc[TILE_TOK], corr = wasm_f32x4_splat(0.0f);
    for (int t = 0; t < NT; t++) acc[t] = wasm_f32x4_splat(0.0f);
    int64_t b = 0;
    for (; b + 4 <= nb; b += 4) {
        const uint8_t *blk = row + b * bb;
        float dw[4], sc[TILE_TOK][4];
        block_scales4(blk, bb, dw);
        const v128_t dw4 = wasm_v128_load(dw);
        for (int t = 0; t < NT; t++)
            wasm_v128_store(sc[t], wasm_f32x4_mul(dw4, wasm_v128_load(xd + (size_t)t * nb + b)));
        if (unsigned_q4)
            corr = wasm_f32x4_add(corr, wasm_f32x4_mul(wasm_v128_load(sc[0]),
                                                       wasm_f32x4_convert_i32x4(wasm_v128_load(xs + b))));
#if defined(__clang__)
#pragma clang loop unroll(disable)
#endif
        for (int j = 0; j < 4; j++) {
            v128_t w[4];
            unpack_block(qtype, blk + j * bb, w, !unsigned_q4);
#if defined(__clang__)
#pragma clang loop unroll(disable)
#endif
            for (int t = 0; t < NT; t++) {
                const v128_t s = block_dot(w, xq + (size_t)t * n + (b + j) * GW_QK8_0);
                acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s),
                                                               wasm_v128_load32_splat(&sc[t][j])));
            }
        }
    }
    for (; b < nb; b++) {
        const uint8_t *blk = row + b * bb;
        uint16_t dh;
        memcpy(&dh, blk, 2);
        const float dw = gw_half_to_float_inline(dh);
        v128_t w[4];
        unpack_block(qtype, blk, w, 1);
        for (int t = 0; t < NT; t++) {
            const v128_t s = block_dot(w, xq + (size_t)t * n + b * GW_QK8_0);
            acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s),
                                                           wasm_f32x4_splat(dw * xd[(size_t)t * nb + b])));
        }
    }
    for (int t = 0; t < NT; t++) res[t] = gw_hsum_f32x4(acc[t]);
    if (unsigned_q4) res[0] -= 8.0f * gw_hsum_f32x4(corr);
}

#define q8_tile(row, nb, n, q, d, xs, NT, r) q_tile(GW_TYPE_Q8_0, row, nb, n, q, d, xs, NT, r)
#define q4_tile(row, nb, n, q, d, xs, NT, r) q_tile(GW_TYPE_Q4_0, row, nb, n, q, d, xs, NT, r)

#if TILE_TOK == 8
#define TILE_CASES_5_8(TILE_FN)                                 \
    case 4: TILE_FN(row, nb, n, q, d, xs, 4, r); break;         \
    case 5: TILE_FN(row, nb, n, q, d, xs, 5, r); break;         \
    case 6: TILE_FN(row, nb, n, q, d, xs, 6, r); break;         \
    case 7: TILE_FN(row, nb, n, q, d, xs, 7, r); break;
#else
#define TILE_CASES_5_8(TILE_FN)
#endif

/* The shared row/token walk: chunk of rows, token tiles, rows of the chunk. */
#define ROWS_WALK(TILE_FN)                                                              \
    const int64_t nb = n / GW_QK8_0;                                                    \
    for (int64_t rc = r0; rc < r1; rc += ROW_CHUNK) {                                   \
        const int64_t re = rc + ROW_CHUNK < r1 ? rc + ROW_CHUNK : r1;                   \
        for (int t0 = 0; t0 < n_tok; t0 += TILE_TOK) {                                  \
            const int nt = n_tok - t0 < TILE_TOK ? n_tok - t0 : TILE_TOK;               \
            const int16_t *q = xq->q + (size_t)t0 * n;                                  \
            const float *d = xq->d + (size_t)t0 * nb;                                   \
            const int32_t *xs = xq->s + (size_t)t0 * nb;                                \
            for (int64_t o = rc; o < re; o++) {                                         \
                const uint8_t *row = w + (size_t)o * row_bytes;                         \
                float r[TILE_TOK];                                                      \
                switch (nt) {                                                           \
                case 1: TILE_FN(row, nb, n, q, d, xs, 1, r); break;                         \
                case 2: TILE_FN(row, nb, n, q, d, xs, 2, r); break;                         \
                case 3: TILE_FN(row, nb, n, q, d, xs, 3, r); break;                         \
                TILE_CASES_5_8(TILE_FN)                                                     \
                default: TILE_FN(row, nb, n, q, d, xs, TILE_TOK, r); break;                 \
                }                                                                       \
                for (int t = 0; t < nt; t++) Y[(size_t)(t0 + t) * ldy + (o - o0)] = r[t]; \
            }                                                                           \
        }                                                                               \
    }

void gw_simd_rows_q8_0(const uint8_t *w, size_t row_bytes, int64_t n, int64_t r0, int64_t r1,
                       const gw_xq16 *xq, int n_tok, float *Y, int64_t ldy, int64_t o0) {
    ROWS_WALK(q8_tile)
}

void gw_simd_rows_q4_0(const uint8_t *w, size_t row_bytes, int64_t n, int64_t r0, int64_t r1,
                       const gw_xq16 *xq, int n_tok, float *Y, int64_t ldy, int64_t o0) {
    ROWS_WALK(q4_tile)
}

/* ---- q8_0 / q4_0 weights in the interleaved layout (GW_LAYOUT_X4) -------
 * Per group of 4 rows and block: the 4 f16 scales, then the 4 rows' quants
 * (repack.c). The quants unpack scaled: q4_0's signed nibble lands in bits
 * 12..15 of an int16 lane (x 2^12), q8_0's byte in bits 8..15 (x 2^8), with
 * one shift or mask each; the factor is folded into the block scale. */
#define X4_SCALE(qtype) ((qtype) == GW_TYPE_Q8_0 ? 0x1p104f : 0x1p100f) /* 2^112 / 2^8, / 2^12 */

GW_INLINE void unpack_x4(int qtype, const uint8_t *q, v128_t *w) {
    if (qtype == GW_TYPE_Q8_0) {
        const v128_t v0 = wasm_v128_load(q), v1 = wasm_v128_load(q + 16);
        const v128_t m = wasm_i16x8_splat((int16_t)0xFF00);
        w[0] = wasm_i16x8_shl(v0, 8);
        w[1] = wasm_v128_and(v0, m);
        w[2] = wasm_i16x8_shl(v1, 8);
        w[3] = wasm_v128_and(v1, m);
    } else { /* byte j: element j (bits 0..3) and j + 16 (bits 4..7) */
        const v128_t v = wasm_v128_load(q), m = wasm_i16x8_splat((int16_t)0xF000);
        w[0] = wasm_i16x8_shl(v, 12);
        w[1] = wasm_v128_and(wasm_i16x8_shl(v, 4), m);
        w[2] = wasm_v128_and(wasm_i16x8_shl(v, 8), m);
        w[3] = wasm_v128_and(v, m);
    }
}

GW_INLINE v128_t x4_dot(int qtype, const uint8_t *q, v128_t x0, v128_t x1, v128_t x2, v128_t x3) {
    v128_t w[4];
    unpack_x4(qtype, q, w);
    return wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_dot_i16x8(w[0], x0), wasm_i32x4_dot_i16x8(w[1], x1)),
                          wasm_i32x4_add(wasm_i32x4_dot_i16x8(w[2], x2), wasm_i32x4_dot_i16x8(w[3], x3)));
}

/* The 4 f16 scales at blk (finite: repack.c checks) as f32 times mul: each
 * half goes to the top of a u32 lane, an arithmetic shift by 3 and a mask
 * leave sign | exponent | mantissa in f32 position (the value x 2^-112,
 * subnormals included), and mul carries the 2^112. */
GW_INLINE v128_t x4_scales(const uint8_t *blk, float mul) {
    const v128_t h = wasm_i16x8_shuffle(wasm_i32x4_splat(0), wasm_v128_load64_zero(blk), 0, 8, 1, 9, 2, 10, 3, 11);
    const v128_t f = wasm_v128_and(wasm_i32x4_shr(h, 3), wasm_i32x4_splat((int32_t)0x8FFFFFFF));
    return wasm_f32x4_mul(f, wasm_f32x4_splat(mul));
}

/* Decode: the 4 rows of a group against one token. The activation block is
 * loaded once for the 4 rows; their i32x4 partial sums are reduced across
 * lanes into one vector (lane k = row k), which takes the 4 scales in one
 * convert and one multiply-add. */
GW_INLINE void x4_decode(int qtype, const uint8_t *grp, int64_t nb, const int16_t *xq, const float *xd,
                         float *res) {
    const size_t qb = qtype == GW_TYPE_Q8_0 ? 32 : 16, gb = 8 + 4 * qb;
    const float mul = X4_SCALE(qtype);
    v128_t acc = wasm_f32x4_splat(0.0f);
    for (int64_t b = 0; b < nb; b++, grp += gb, xq += GW_QK8_0) {
        const v128_t x0 = wasm_v128_load(xq), x1 = wasm_v128_load(xq + 8);
        const v128_t x2 = wasm_v128_load(xq + 16), x3 = wasm_v128_load(xq + 24);
        /* the rows in a rolled loop: unrolled, LLVM moves all their loads
         * to the top and V8 (16 vector registers on x64) spills */
        v128_t sk[2];
        const uint8_t *q = grp + 8;
#if defined(__clang__)
#pragma clang loop unroll(disable)
#endif
        for (int k = 0; k < 2; k++, q += 2 * qb) {
            const v128_t u0 = x4_dot(qtype, q, x0, x1, x2, x3), u1 = x4_dot(qtype, q + qb, x0, x1, x2, x3);
            sk[k] = wasm_i32x4_add(wasm_i32x4_shuffle(u0, u1, 0, 1, 4, 5), wasm_i32x4_shuffle(u0, u1, 2, 3, 6, 7));
        }
        const v128_t a = sk[0], c = sk[1];
        const v128_t s = wasm_i32x4_add(wasm_i32x4_shuffle(a, c, 0, 2, 4, 6), wasm_i32x4_shuffle(a, c, 1, 3, 5, 7));
        const v128_t sc = wasm_f32x4_mul(x4_scales(grp, mul), wasm_v128_load32_splat(xd + b));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), sc));
    }
    wasm_v128_store(res, acc);
}

/* Decode of n_groups whole groups, results to Y[0 .. 4 * n_groups). Called
 * through a table so neither LLVM nor Binaryen inlines it into the row walk:
 * on its own the loop gets V8's registers to itself (inlined, the masks and
 * the accumulator went to the stack). */
static void x4_decode_groups_q4_0(const uint8_t *w, size_t row_bytes, int64_t nb, int64_t n_groups,
                                  const int16_t *xq, const float *xd, float *Y) {
    for (int64_t g = 0; g < n_groups; g++) x4_decode(GW_TYPE_Q4_0, w + (size_t)g * 4 * row_bytes, nb, xq, xd, Y + 4 * g);
}
static void x4_decode_groups_q8_0(const uint8_t *w, size_t row_bytes, int64_t nb, int64_t n_groups,
                                  const int16_t *xq, const float *xd, float *Y) {
    for (int64_t g = 0; g < n_groups; g++) x4_decode(GW_TYPE_Q8_0, w + (size_t)g * 4 * row_bytes, nb, xq, xd, Y + 4 * g);
}
typedef void (*x4_decode_fn)(const uint8_t *, size_t, int64_t, int64_t, const int16_t *, const float *, float *);
static x4_decode_fn volatile const x4_decode_fns[2] = {x4_decode_groups_q4_0, x4_decode_groups_q8_0};

/* Rows [o_begin, o_end) of the group holding o_begin (o_end at most its
 * end), for each of n_tok tokens: the whole group through the decode loop,
 * the rows asked for kept, so they come out exactly as in a full product. */
static void x4_part_group(int q8, const uint8_t *w, size_t row_bytes, int64_t n, int64_t o_begin, int64_t o_end,
                          const gw_xq16 *xq, int n_tok, float *Y, int64_t ldy, int64_t o0) {
    const int64_t nb = n / GW_QK8_0, g = o_begin / 4;
    for (int t = 0; t < n_tok; t++) {
        float r[4];
        x4_decode_fns[q8](w + (size_t)g * 4 * row_bytes, row_bytes, nb, 1, xq->q + (size_t)t * n,
                          xq->d + (size_t)t * nb, r);
        for (int64_t o = o_begin; o < o_end; o++) Y[(size_t)t * ldy + (o - o0)] = r[o - 4 * g];
    }
}

/* Rows [r0, r1) of an interleaved matrix of n_rows rows. Whole groups of
 * 4 rows go through the decode loop once per token, in chunks of groups
 * small enough to stay in L2 while the tokens go by: for prefill this runs
 * ~1.8x faster in wasm than token tiles (V8 keeps a tile's accumulators in
 * memory) and as fast natively as 8-token tiles, and with one path both
 * builds compute the same sums, bit for bit. A group the range cuts goes
 * through the decode loop whole (x4_part_group); rows after the last whole
 * group (stored row by row) through the row-layout kernels. */
void gw_simd_rows_x4(int type, const uint8_t *w, size_t row_bytes, int64_t n, int64_t n_rows, int64_t r0,
                     int64_t r1, const gw_xq16 *xq, int n_tok, float *Y, int64_t ldy, int64_t o0) {
    const int q8 = type == GW_TYPE_Q8_0;
    const int64_t nb = n / GW_QK8_0, grouped = n_rows / 4 * 4, g1 = r1 < grouped ? r1 : grouped;
    if (r0 < g1) {
        int64_t a = (r0 + 3) / 4 * 4, e = g1 / 4 * 4;
        if (a > g1) a = g1;
        if (e < a) e = a;
        if (r0 < a) x4_part_group(q8, w, row_bytes, n, r0, a, xq, n_tok, Y, ldy, o0);
        if (e < g1) x4_part_group(q8, w, row_bytes, n, e, g1, xq, n_tok, Y, ldy, o0);
        int64_t chunk_groups = X4_CHUNK_BYTES / (4 * (int64_t)row_bytes);
        if (chunk_groups < 1) chunk_groups = 1;
        for (int64_t g = a / 4; g < e / 4; g += chunk_groups) {
            const int64_t ng = e / 4 - g < chunk_groups ? e / 4 - g : chunk_groups;
            for (int t = 0; t < n_tok; t++)
                x4_decode_fns[q8](w + (size_t)g * 4 * row_bytes, row_bytes, nb, ng, xq->q + (size_t)t * n,
                                  xq->d + (size_t)t * nb, Y + (size_t)t * ldy + (4 * g - o0));
        }
    }
    if (r1 > grouped) {
        const int64_t rs = r0 > grouped ? r0 : grouped;
        if (q8) gw_simd_rows_q8_0(w, row_bytes, n, rs, r1, xq, n_tok, Y, ldy, o0);
        else gw_simd_rows_q4_0(w, row_bytes, n, rs, r1, xq, n_tok, Y, ldy, o0);
    }
}

/* ---- float weights: f32, f16, bf16 ------------------------------------- */

#define FLOAT_TILE 4 /* tokens per tile */

/* Eight weights starting at element i, as two f32x4. */
GW_INLINE void load_w8(int type, const uint8_t *row, int64_t i, v128_t *a, v128_t *b) {
    if (type == GW_TYPE_F32) {
        *a = wasm_v128_load(row + 4 * i);
        *b = wasm_v128_load(row + 4 * i + 16);
    } else {
        const v128_t h = wasm_v128_load(row + 2 * i);
        const v128_t l32 = wasm_u32x4_extend_low_u16x8(h), h32 = wasm_u32x4_extend_high_u16x8(h);
        if (type == GW_TYPE_F16) {
            *a = half4_to_f32(l32);
            *b = half4_to_f32(h32);
        } else {
            *a = wasm_i32x4_shl(l32, 16);
            *b = wasm_i32x4_shl(h32, 16);
        }
    }
}

GW_INLINE float load_w1(int type, const uint8_t *row, int64_t i) {
    if (type == GW_TYPE_F32) { float f; memcpy(&f, row + 4 * i, 4); return f; }
    uint16_t h;
    memcpy(&h, row + 2 * i, 2);
    return type == GW_TYPE_F16 ? gw_half_to_float_inline(h) : gw_bf16_to_f32(h);
}

GW_INLINE void float_tile(int type, const uint8_t *row, int64_t n, const float *X, int NT, float *res) {
    v128_t acc0[FLOAT_TILE], acc1[FLOAT_TILE];
    for (int t = 0; t < NT; t++) acc0[t] = acc1[t] = wasm_f32x4_splat(0.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v128_t wa, wb;
        load_w8(type, row, i, &wa, &wb);
        for (int t = 0; t < NT; t++) {
            const float *x = X + (size_t)t * n + i;
            acc0[t] = wasm_f32x4_add(acc0[t], wasm_f32x4_mul(wa, wasm_v128_load(x)));
            acc1[t] = wasm_f32x4_add(acc1[t], wasm_f32x4_mul(wb, wasm_v128_load(x + 4)));
        }
    }
    for (int t = 0; t < NT; t++) res[t] = gw_hsum_f32x4(wasm_f32x4_add(acc0[t], acc1[t]));
    for (; i < n; i++) {
        const float wv = load_w1(type, row, i);
        for (int t = 0; t < NT; t++) res[t] += wv * X[(size_t)t * n + i];
    }
}

#define FLOAT_WALK(TYPE)                                                                \
    for (int64_t rc = r0; rc < r1; rc += ROW_CHUNK) {                                   \
        const int64_t re = rc + ROW_CHUNK < r1 ? rc + ROW_CHUNK : r1;                   \
        for (int t0 = 0; t0 < n_tok; t0 += FLOAT_TILE) {                                  \
            const int nt = n_tok - t0 < FLOAT_TILE ? n_tok - t0 : FLOAT_TILE;               \
            const float *x = X + (size_t)t0 * n;                                        \
            for (int64_t o = rc; o < re; o++) {                                         \
                const uint8_t *row = w + (size_t)o * row_bytes;                         \
                float r[FLOAT_TILE];                                                      \
                switch (nt) {                                                           \
                case 1: float_tile(TYPE, row, n, x, 1, r); break;                       \
                case 2: float_tile(TYPE, row, n, x, 2, r); break;                       \
                case 3: float_tile(TYPE, row, n, x, 3, r); break;                       \
                default: float_tile(TYPE, row, n, x, 4, r); break;                      \
                }                                                                       \
                for (int t = 0; t < nt; t++) Y[(size_t)(t0 + t) * ldy + (o - o0)] = r[t]; \
            }                                                                           \
        }                                                                               \
    }

static void rows_f32(const uint8_t *w, size_t row_bytes, int64_t n, int64_t r0, int64_t r1,
                     const float *X, int n_tok, float *Y, int64_t ldy, int64_t o0) {
    FLOAT_WALK(GW_TYPE_F32)
}
static void rows_f16(const uint8_t *w, size_t row_bytes, int64_t n, int64_t r0, int64_t r1,
                     const float *X, int n_tok, float *Y, int64_t ldy, int64_t o0) {
    FLOAT_WALK(GW_TYPE_F16)
}
static void rows_bf16(const uint8_t *w, size_t row_bytes, int64_t n, int64_t r0, int64_t r1,
                      const float *X, int n_tok, float *Y, int64_t ldy, int64_t o0) {
    FLOAT_WALK(GW_TYPE_BF16)
}

void gw_simd_rows_float(int type, const uint8_t *w, size_t row_bytes, int64_t n,
                        int64_t r0, int64_t r1, const float *X, int n_tok,
                        float *Y, int64_t ldy, int64_t o0) {
    switch (type) {
    case GW_TYPE_F32: rows_f32(w, row_bytes, n, r0, r1, X, n_tok, Y, ldy, o0); break;
    case GW_TYPE_F16: rows_f16(w, row_bytes, n, r0, r1, X, n_tok, Y, ldy, o0); break;
    default: rows_bf16(w, row_bytes, n, r0, r1, X, n_tok, Y, ldy, o0); break;
    }
}

#endif /* GW_SIMD */
