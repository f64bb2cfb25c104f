/* gemwasm.h — the one public C header of the gemwasm runtime.
 *
 * Opaque handles, int error codes (GW_OK == 0) and a caller-owned gw_err that
 * receives a human-readable message naming what went wrong. Nothing here
 * exits, aborts or keeps global state; every handle is freed by its _free.
 */
#ifndef GEMWASM_H
#define GEMWASM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------ */

enum {
    GW_OK = 0,
    GW_E_INVALID = 1,     /* bad argument from the caller */
    GW_E_FORMAT = 2,      /* malformed input file / buffer */
    GW_E_UNSUPPORTED = 3, /* valid input we do not handle (arch, type) */
    GW_E_NOMEM = 4,       /* allocation failed */
    GW_E_IO = 5,          /* reading or writing a file failed */
    GW_E_NEED_MORE = 6,   /* incremental parse: give more bytes */
    GW_E_RANGE = 7,       /* context full, token id out of range, ... */
    GW_E_NOT_FOUND = 8    /* missing tensor, key, file */
};

typedef struct gw_err {
    int code;
    char msg[512];
} gw_err;

/* Short static name of an error code ("format error", ...). */
const char *gw_strerror(int code);

/* ---- model -------------------------------------------------------------- */

typedef enum gw_arch {
    GW_ARCH_GEMMA = 1,
    GW_ARCH_GEMMA2 = 2,
    GW_ARCH_GEMMA3 = 3,
    GW_ARCH_RECURRENTGEMMA = 4
} gw_arch;

typedef struct gw_model gw_model;     /* weights + config (+ tokenizer) */
typedef struct gw_session gw_session; /* one sequence: KV cache / recurrent state */

typedef struct gw_model_info {
    gw_arch arch;
    const char *arch_name;  /* "gemma", "gemma2", "gemma3", "recurrentgemma" */
    int n_vocab;
    int n_embd;
    int n_layer;
    int n_head;
    int n_head_kv;
    int head_dim;
    int n_ff;
    int n_ctx_train;
    int sliding_window;     /* 0 when the model has no sliding layers */
    uint64_t weight_bytes;  /* bytes of tensor data held by the model */
    int bos_id, eos_id, eot_id; /* -1 when unknown */
} gw_model_info;

void gw_model_free(gw_model *m);
const gw_model_info *gw_model_get_info(const gw_model *m);

/* ---- session ------------------------------------------------------------ */

typedef struct gw_session_opts {
    int n_ctx;     /* max tokens the session holds (0 = min(n_ctx_train, 4096)) */
    int n_threads; /* worker threads incl. the caller (0 or 1 = single) */
    int n_batch;   /* max tokens per forward micro-batch (0 = 64) */
} gw_session_opts;

int gw_session_new(gw_model *m, const gw_session_opts *opts, gw_session **out,
                   gw_err *err);
void gw_session_free(gw_session *s);

/* Feed n tokens at the session's current position. If logits != NULL it
 * receives float32 logits: n*n_vocab values when all_logits, else only the
 * last position's n_vocab values. Tokens are processed in micro-batches of
 * n_batch (matrix-matrix); n == 1 is the decode path. */
int gw_session_eval(gw_session *s, const int32_t *tokens, int n, float *logits,
                   int all_logits, gw_err *err);

/* Forget everything: next eval starts at position 0. */
void gw_session_reset(gw_session *s);
int gw_session_pos(const gw_session *s);
/* Bytes of per-sequence decode state (KV cache or recurrent state). */
size_t gw_session_state_bytes(const gw_session *s);

#ifdef __cplusplus
}
#endif
#endif
