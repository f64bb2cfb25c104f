/* simd128.h — includes the wasm SIMD128 intrinsics: the real ones under
 * Emscripten (-msimd128), SIMDe's portable versions natively (GW_SIMDE).
 * Only included by the kernel files that are compiled with GW_SIMD, plus a
 * few small helpers shared by them. */
#ifndef GW_SIMD128_H
#define GW_SIMD128_H

#ifdef GW_SIMD
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define GW_INLINE static inline __attribute__((always_inline))
#else
#define GW_INLINE static inline
#endif

/* Sum of the four lanes. */
GW_INLINE float gw_hsum_f32x4(v128_t v) {
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(v, 0);
}

GW_INLINE float gw_hmax_f32x4(v128_t v) {
    v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(v, 0);
}

/* expf on four lanes: 2^k * p(r), r = x - k ln2, |r| <= ln2/2, Cephes'
 * polynomial (about 1 ulp). Inputs above 88.7 are clamped, below -87.3
 * give 0. */
GW_INLINE v128_t gw_exp_f32x4(v128_t x) {
    const v128_t tiny = wasm_f32x4_lt(x, wasm_f32x4_splat(-87.33654f)); /* result 0, not a denormal */
    x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.33654f)), wasm_f32x4_splat(88.72283f));
    const v128_t k = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
    v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(k, wasm_f32x4_splat(0.693359375f)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(k, wasm_f32x4_splat(-2.12194440e-4f)));
    v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
    p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), wasm_f32x4_add(r, wasm_f32x4_splat(1.0f)));
    /* 2^k: k in [-126, 128]; split in two factors so k = 128 does not overflow the exponent */
    const v128_t ki = wasm_i32x4_trunc_sat_f32x4(k);
    const v128_t k1 = wasm_i32x4_shr(ki, 1), k2 = wasm_i32x4_sub(ki, k1);
    const v128_t bias = wasm_i32x4_splat(127);
    const v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(k1, bias), 23);
    const v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(k2, bias), 23);
    return wasm_v128_andnot(wasm_f32x4_mul(wasm_f32x4_mul(p, s1), s2), tiny);
}
#endif

#endif
