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
#endif

#endif
