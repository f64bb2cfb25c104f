/* convert.h — Hugging Face checkpoint -> GGUF conversion (`gemwasm convert`).
 *
 * gw_convert_run opens the checkpoint (hf_checkpoint.h), picks the
 * architecture converter by config.json's model_type from the table in
 * convert.c, lets it write metadata and tensors into a GGUF writer through
 * the helpers below, adds the tokenizer, and writes the file or splits.
 *
 * Adding an architecture: write `int gw_convert_<arch>(gw_convert_ctx *c)` in
 * loader/convert_<arch>.c (declared here) and add its row to the table in
 * convert.c. Types: 1-D tensors are always F32; 2-D and larger tensors get
 * the requested type, except that a quantized type whose block (32) does not
 * divide the row length falls back to F16.
 */
#ifndef GW_CONVERT_H
#define GW_CONVERT_H

#include "gguf.h"
#include "hf_checkpoint.h"

typedef struct gw_convert_opts {
    int type;                 /* GW_TYPE_F32, F16, BF16, Q8_0 or Q4_0 */
    uint64_t split_max_bytes; /* 0: one file */
} gw_convert_opts;

typedef struct gw_convert_ctx {
    const gw_hf *hf;
    gw_gguf_writer *w;
    int type;            /* the requested weight type */
    const char *hf_dir;
    gw_err *err;
} gw_convert_ctx;

typedef int (*gw_convert_fn)(gw_convert_ctx *c);

/* Architecture converters. Each writes general.architecture and its own
 * metadata keys and tensors; general.name/file_type/quantization_version and
 * the tokenizer are written by gw_convert_run. */
int gw_convert_gemma(gw_convert_ctx *c);          /* convert_gemma.c: gemma, gemma2, gemma3(_text) */
int gw_convert_recurrentgemma(gw_convert_ctx *c); /* convert_recurrentgemma.c: recurrent_gemma */

/* Tokenizer (loader/convert_tokenizer.c): embeds the checkpoint's tokenizer
 * (tokenizer.json, ...) as tokenizer.ggml.* keys through c->w. Returns GW_OK
 * when the checkpoint has no tokenizer files. Called by gw_convert_run after
 * the architecture converter (see the slot in convert.c). */
int gw_convert_tokenizer(gw_convert_ctx *c);

/* ---- helpers for the architecture converters ---------------------------- */
#define GW_CONV_NORM 1 /* Gemma RMSNorm weight: store 1 + w (as llama.cpp does) */
#define GW_CONV_F32 2  /* keep F32 whatever the requested type */

/* config.json value k (from the text config, as gw_hf_cfg_*), or dflt when absent;
 * other errors (wrong type) pass through. */
int gw_convert_opt_int(gw_convert_ctx *c, const char *k, int64_t dflt, int64_t *out);
int gw_convert_opt_num(gw_convert_ctx *c, const char *k, double dflt, double *out);

/* Add tensor gguf_name from f32 data; ne in GGUF order (ne[0] contiguous).
 * Picks the stored type as above and converts/quantizes. */
int gw_convert_add_f32(gw_convert_ctx *c, const char *gguf_name, int ndim, const int64_t *ne,
                       const float *data, int flags);
/* Find an HF tensor by name; NULL when absent. */
const gw_hf_tensor *gw_convert_find(gw_convert_ctx *c, const char *hf_name);
/* Read HF tensor hf_name (required: a clear error when missing), check its
 * PyTorch-order shape against want (ndim entries, 0 = any; want may be NULL),
 * and add it as gguf_name with the dimensions reversed into GGUF order. */
int gw_convert_tensor(gw_convert_ctx *c, const char *gguf_name, const char *hf_name, int ndim,
                      const int64_t *want, int flags);

/* The whole conversion. n_files (may be NULL) receives the number of files. */
int gw_convert_run(const char *hf_dir, const char *out_path, const gw_convert_opts *o, int *n_files,
                   gw_err *err);

/* GGUF general.file_type (llama.cpp's LLAMA_FTYPE) for a weight type. */
int gw_convert_file_type(int type);

#endif
