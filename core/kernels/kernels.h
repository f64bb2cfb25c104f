/* kernels.h — the hot loops: quantization, matrix products and the
 * elementwise ops of the forward pass. Each op has a plain scalar reference
 * (*_ref) and, where GW_SIMD is defined (wasm SIMD128, or natively through
 * SIMDe), a SIMD128 version; the public entry points pick the SIMD one.
 * Model logic never lives here (see core/model/).
 */
#ifndef GW_KERNELS_H
#define GW_KERNELS_H

#include "common.h"
#include "pool.h"

/* ---- conversions between f32 and storage types (any type in gw_type that
 * the kernels support: f32, f16, bf16, q8_0, q4_0; k-quants dequant only).
 * n must be a multiple of the type's block size. Return GW_OK or
 * GW_E_UNSUPPORTED. */
int gw_dequantize_row(int type, const void *src, float *dst, int64_t n);
int gw_quantize_row(int type, const float *src, void *dst, int64_t n);
/* 1 when the type can be the weight of gw_matmul. */
int gw_type_matmul_supported(int type);

/* ---- matrix product ------------------------------------------------------
 * Y[t][o] = sum_i X[t][i] * W[o][i]  for t < n_tok, o < W->ne[1], i < W->ne[0]
 * W is a 2-D tensor of any supported type laid out row by row (GGUF layout),
 * X and Y are f32 row-major. For q8_0/q4_0 weights X is quantized to q8_0
 * blocks first (as llama.cpp does); f32/f16/bf16 weights use float math.
 * Rows of W are split evenly across the pool's threads. n_tok == 1 is the
 * decode (matrix-vector) case; n_tok > 1 reads each weight row once for all
 * tokens. Returns GW_OK or GW_E_UNSUPPORTED / GW_E_NOMEM. */
int gw_matmul(gw_pool *pool, const gw_tensor *W, const float *X, int n_tok, float *Y);
/* Same for a row range [o0, o1) of W only, output Y[t][o - o0] with row
 * stride ldy. Used by the model for tied output heads in slices. */
int gw_matmul_rows(gw_pool *pool, const gw_tensor *W, int64_t o0, int64_t o1,
                   const float *X, int n_tok, float *Y, int64_t ldy);

/* ---- weight layout for the SIMD kernels (repack.c) ------------------------
 * gw_matmul_prepare rearranges a q4_0/q8_0 weight matrix in place into the
 * interleaved layout the SIMD128 kernels stream fastest (GW_LAYOUT_X4, see
 * repack.c); other types, the scalar build, and matrices with a non-finite
 * block scale are left as they are. Returns 1 when repacked, else 0. The
 * bytes are the same number; gw_matmul and gw_tensor_row read either
 * layout. Only for weights the caller owns and does not read otherwise. */
int gw_matmul_prepare(gw_tensor *W);
/* Row r of a 2-D tensor (any layout) as n = ne[0] floats: the same values
 * gw_dequantize_row gives on the row-by-row layout. GW_OK or
 * GW_E_UNSUPPORTED / GW_E_INVALID (r out of range). */
int gw_tensor_row(const gw_tensor *W, int64_t r, float *out);

/* ---- elementwise / vector ops (f32) ---------------------------------------
 * rmsnorm: out[i] = x[i] * (1 / sqrt(mean(x^2) + eps)) * w[i]
 *   (w is the stored weight; for Gemma the converter stores 1 + w as
 *   llama.cpp does). out may alias x.
 */
void gw_rmsnorm(float *out, const float *x, const float *w, int n, float eps);
/* out[i] = gelu_tanh(gate[i]) * up[i]; out may alias gate or up. */
void gw_gelu_tanh_mul(float *out, const float *gate, const float *up, int n);
/* out[i] = gelu_tanh(x[i]) */
void gw_gelu_tanh(float *out, const float *x, int n);
/* Rotary embedding, half-split layout (transformers' rotate_half) applied to
 * the first rot_dim dims of one head vector x (rot_dim even, <= head_dim):
 * for i < rot_dim/2, inv_freq = theta^(-2i/rot_dim) (computed in f32 as
 * transformers does), angle = pos * inv_freq (f32),
 * x[i]' = x[i]cos - x[i+h]sin, x[i+h]' = x[i+h]cos + x[i]sin, h = rot_dim/2. */
void gw_rope(float *x, int rot_dim, int pos, float theta);
/* RoPE with precomputed inverse frequencies (rot_dim/2 of them, at most
 * GW_ROPE_MAX_PAIRS): gw_rope_inv_freq fills them as transformers does,
 * optionally rounded to bf16 as its buffers are in a bf16 model. */
#define GW_ROPE_MAX_PAIRS 256
void gw_rope_inv_freq(float *inv_freq, int rot_dim, float theta, int round_bf16);
void gw_rope_freqs(float *x, int rot_dim, int pos, const float *inv_freq);
/* In-place softmax over n values (max-subtracted, f32). Probabilities below
 * GW_SOFTMAX_FLUSH (2^-64) are set to 0: they cannot change an f32 sum,
 * and as denormal products in the attention sums they are very slow on x86. */
#define GW_SOFTMAX_FLUSH 0x1p-64f
void gw_softmax(float *x, int n);
/* sum a[i]*b[i] */
float gw_dot_f32(const float *a, const float *b, int n);
/* y[i] += a * x[i]; a == 0 returns at once (softmax zeros are common) */
void gw_axpy_f32(float *y, float a, const float *x, int n);
/* x[i] = c * tanh(x[i] / c) */
void gw_softcap(float *x, int n, float c);

/* Scalar references of the above (always compiled) for the tests. */
int gw_matmul_ref(const gw_tensor *W, const float *X, int n_tok, float *Y);
void gw_rmsnorm_ref(float *out, const float *x, const float *w, int n, float eps);
void gw_gelu_tanh_mul_ref(float *out, const float *gate, const float *up, int n);
void gw_rope_ref(float *x, int rot_dim, int pos, float theta);
void gw_softmax_ref(float *x, int n);
float gw_dot_f32_ref(const float *a, const float *b, int n);

/* Reads every byte of buf (a multiple of 64 bytes is read; 64-byte
 * aligned buffers read fastest), split across the pool's threads like a
 * matmul's rows; returns a checksum so the reads are not optimised away.
 * For bandwidth measurement (membench.c). */
uint32_t gw_read_buffer(gw_pool *pool, const void *buf, size_t bytes);

/* "simd128" or "scalar": what this build's kernels use. */
const char *gw_kernels_simd_name(void);

#endif
