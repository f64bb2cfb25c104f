/* model.h — internal model and session structures shared by the forward
 * passes (transformer.c for Gemma 1/2/3, griffin.c for RecurrentGemma) and
 * by model.c, which builds them from a validated GGUF set.
 */
#ifndef GW_MODEL_H
#define GW_MODEL_H

#include "common.h"
#include "gguf.h"
#include "kernels.h"

#define GW_MAX_LAYERS 256

typedef enum { GW_LAYER_GLOBAL = 0, GW_LAYER_SLIDING = 1,   /* transformer */
               GW_LAYER_RECURRENT = 2, GW_LAYER_ATTENTION = 3 /* griffin */ } gw_layer_kind;

/* Everything the forward pass needs to know, read from GGUF metadata
 * (config.c). Keys are documented in docs/gguf-format.md. */
typedef struct gw_config {
    gw_arch arch;
    int n_vocab, n_embd, n_layer, n_ff;
    int n_head, n_head_kv, head_dim;
    int n_ctx_train;
    float rms_eps;
    float rope_theta;        /* global layers */
    float rope_theta_local;  /* sliding layers (gemma3) */
    int rope_dim;            /* rotated dims per head (griffin: partial) */
    float rope_freq[GW_ROPE_MAX_PAIRS];       /* inverse frequencies, global layers */
    float rope_freq_local[GW_ROPE_MAX_PAIRS]; /* sliding layers */
    float attn_scale;        /* multiplies q.k */
    float attn_softcap;      /* 0 = none */
    float final_softcap;     /* 0 = none */
    float embd_scale;        /* x0 = E[tok] * embd_scale */
    int sliding_window;      /* keys visible incl. the current one; 0 = none */
    int has_qk_norm;         /* gemma3 */
    int has_post_norms;      /* gemma2/3: post_attention_norm, post_ffw_norm */
    unsigned char layer_kind[GW_MAX_LAYERS];
    /* griffin */
    int lru_width, conv_width, n_lru_blocks;
    int bos_id, eos_id, eot_id;
} gw_config;

/* Per-layer weight views (NULL when the layer has no such tensor). */
typedef struct gw_layer {
    const gw_tensor *attn_norm, *attn_q, *attn_k, *attn_v, *attn_o, *attn_o_b;
    const gw_tensor *attn_q_norm, *attn_k_norm, *post_attn_norm;
    const gw_tensor *ffn_norm, *ffn_gate, *ffn_up, *ffn_down, *post_ffw_norm;
    const gw_tensor *ffn_gate_b, *ffn_up_b, *ffn_down_b;
    /* griffin recurrent block */
    const gw_tensor *rg_x, *rg_x_b, *rg_y, *rg_y_b, *rg_out, *rg_out_b;
    const gw_tensor *rg_conv, *rg_conv_b, *rg_a_param;
    const gw_tensor *rg_in_gate, *rg_in_gate_b, *rg_a_gate, *rg_a_gate_b;
} gw_layer;

struct gw_model {
    gw_config cfg;
    gw_model_info info;
    gw_gguf_set *files;      /* owns the weights */
    const gw_tensor *tok_embd, *output_norm, *output; /* output == tok_embd when tied */
    gw_layer layers[GW_MAX_LAYERS];
    void *tokenizer;         /* gw_tokenizer* when the GGUF carries one (tokenizer.c) */
    struct gw_synthetic *synthetic; /* set for bench models built by synthetic.c */
};

/* Attention cache of one layer: a ring of n_slots positions.
 * k/v are [n_slots][n_head_kv * head_dim] f32. Slot of position p: p % n_slots. */
typedef struct gw_kv_layer {
    float *k, *v;
    int n_slots;
} gw_kv_layer;

/* Per-layer griffin recurrent state. */
typedef struct gw_rg_state {
    float *conv;   /* [conv_width-1][lru_width]: the last pre-conv inputs, oldest first */
    float *h;      /* [lru_width] */
} gw_rg_state;

struct gw_session {
    gw_model *model;
    gw_pool *pool;
    int n_ctx, n_batch, pos;
    gw_kv_layer kv[GW_MAX_LAYERS];
    gw_rg_state rg[GW_MAX_LAYERS];
    size_t state_bytes;
    /* scratch for one micro-batch (sized n_batch), owned */
    float *scratch;
    size_t scratch_floats;
};

/* Builds cfg from the set's metadata; validates every tensor's shape. */
int gw_config_from_gguf(const gw_gguf *meta, gw_config *cfg, gw_err *err);
/* Forward passes over tokens[0..n) at positions s->pos.., n <= s->n_batch.
 * logits: NULL, or n*n_vocab (all) / n_vocab (last only). They do not
 * advance s->pos (the caller does). */
int gw_transformer_forward(gw_session *s, const int32_t *tokens, int n, float *logits,
                           int all_logits, gw_err *err);
int gw_griffin_forward(gw_session *s, const int32_t *tokens, int n, float *logits,
                       int all_logits, gw_err *err);
/* Per-architecture parts of model building: read the config from metadata
 * (general.architecture already known), then bind and shape-check tensors. */
int gw_transformer_config(const gw_gguf *meta, gw_config *cfg, gw_err *err);
int gw_transformer_bind(gw_model *m, gw_err *err);
int gw_griffin_config(const gw_gguf *meta, gw_config *cfg, gw_err *err);
int gw_griffin_bind(gw_model *m, gw_err *err);
/* Look up a tensor and check its type is usable and its shape is
 * {ne0, ne1, ne2} (0 = any; trailing 1s implied). required=0 -> may be NULL. */
int gw_model_tensor(gw_model *m, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
                    int required, const gw_tensor **out, gw_err *err);
/* Session state allocation per architecture. */
int gw_transformer_session_init(gw_session *s, gw_err *err);
int gw_griffin_session_init(gw_session *s, gw_err *err);
void gw_griffin_session_reset(gw_session *s);
void gw_griffin_session_free(gw_session *s); /* frees what griffin_session_init allocated */

/* A model of a real shape ("gemma-2b", "gemma-2-2b", "gemma-3-1b",
 * "gemma-3-270m", "recurrentgemma-2b") with random weights made directly in
 * the given type (synthetic.c), for benchmarks: no checkpoint needed. */
int gw_model_synthetic(const char *shape, int type, uint32_t seed, gw_model **out, gw_err *err);
/* Names of the shapes gw_model_synthetic knows, NULL-terminated. */
extern const char *const gw_synthetic_shapes[];
/* For synthetic.c: creates the tensor the binder asks for. */
int gw_synthetic_tensor(gw_model *m, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
                        const gw_tensor **out, gw_err *err);
void gw_synthetic_free(struct gw_synthetic *syn);
/* Pretend the session already holds pos tokens (KV cache filled with
 * noise), so decode speed at a context length can be measured without
 * prefilling it. For benchmarks only. */
int gw_session_fake_context(gw_session *s, int pos, gw_err *err);

const char *gw_arch_name(gw_arch a);
void gw_model_prepare_weights(gw_model *m);
void gw_model_fill_info(gw_model *m); /* public info from cfg */

/* Build a model from a validated set (takes ownership of set on success and
 * on failure). */
int gw_model_from_gguf_set(gw_gguf_set *set, gw_model **out, gw_err *err);

#endif
