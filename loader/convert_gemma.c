/* convert_gemma.c — Gemma 1/2/3 (text) checkpoints to GGUF with llama.cpp's
 * architecture names (gemma, gemma2, gemma3), metadata keys and tensor
 * names, plus our documented extensions (docs/gguf-format.md):
 * {arch}.attention.scale, {arch}.rope.freq_base_swa and the per-layer
 * {arch}.attention.sliding_window_pattern bool array. Norm weights are stored
 * as 1 + w, as llama.cpp does. Reads both config.json styles: rope_theta /
 * rope_local_base_freq / sliding_window_pattern and transformers 5's
 * rope_parameters / layer_types. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

#define MAX_LAYERS 4096

typedef struct gcfg {
    const char *arch;
    int gen; /* 1, 2, 3 */
    int64_t n_embd, n_layer, n_ff, n_head, n_head_kv, head_dim, n_vocab, n_ctx;
    double eps, rope_global, rope_local;
    const char *prefix; /* "model." or the multimodal text model's prefix */
} gcfg;

static void key(char *out, size_t cap, const gcfg *g, const char *suffix) {
    snprintf(out, cap, "%s.%s", g->arch, suffix);
}


/* rope_theta of a rope_parameters-style object (NULL or absent: dflt). */
static int theta_of(gw_convert_ctx *c, const gw_json *o, const char *where, double dflt, double *out) {
    *out = dflt;
    if (!o) return GW_OK;
    if (gw_json_kind_of(o) != GW_JSON_OBJECT)
        return gw_set_err(c->err, GW_E_FORMAT, "%s/config.json: '%s' is not an object", c->hf_dir, where);
    const gw_json *t = gw_json_get(o, "rope_theta");
    if (t && gw_json_kind_of(t) == GW_JSON_NUMBER) *out = gw_json_num(t);
    else if (t && !gw_json_is_null(t))
        return gw_set_err(c->err, GW_E_FORMAT, "%s/config.json: '%s.rope_theta' is not a number", c->hf_dir, where);
    const char *rt = gw_json_str(gw_json_get(o, "rope_type"), NULL);
    if (rt && strcmp(rt, "default"))
        return gw_set_err(c->err, GW_E_UNSUPPORTED, "%s/config.json: rope_type '%s' in '%s' is not supported yet",
                          c->hf_dir, rt, where);
    return GW_OK;
}

static int rope_bases(gw_convert_ctx *c, gcfg *g) {
    const gw_json *tc = gw_hf_text_config(c->hf);
    const gw_json *rp = gw_json_get(tc, "rope_parameters");
    int rc;
    if (rp && !gw_json_is_null(rp)) { /* transformers 5 */
        const gw_json *full = gw_json_get(rp, "full_attention"), *slide = gw_json_get(rp, "sliding_attention");
        if (full || slide) {
            if ((rc = theta_of(c, full, "rope_parameters.full_attention", 10000.0, &g->rope_global))) return rc;
            if ((rc = theta_of(c, slide, "rope_parameters.sliding_attention", 10000.0, &g->rope_local))) return rc;
        } else {
            if ((rc = theta_of(c, rp, "rope_parameters", 10000.0, &g->rope_global))) return rc;
            g->rope_local = g->rope_global;
            if (g->gen == 3) g->rope_local = 10000.0;
        }
        return GW_OK;
    }
    if ((rc = gw_convert_opt_num(c, "rope_theta", 10000.0, &g->rope_global))) return rc;
    if ((rc = gw_convert_opt_num(c, "rope_local_base_freq", g->gen == 3 ? 10000.0 : g->rope_global, &g->rope_local))) return rc;
    const gw_json *rs = gw_json_get(tc, "rope_scaling");
    if (rs && !gw_json_is_null(rs)) {
        const char *t = gw_json_str(gw_json_get(rs, "rope_type"), NULL);
        if (!t) t = gw_json_str(gw_json_get(rs, "type"), NULL);
        if (!t || strcmp(t, "default"))
            return gw_set_err(c->err, GW_E_UNSUPPORTED, "%s/config.json: rope_scaling '%s' is not supported yet",
                              c->hf_dir, t ? t : "?");
    }
    return GW_OK;
}

/* Which layers use sliding-window attention. */
static int sliding_layers(gw_convert_ctx *c, const gcfg *g, uint8_t *sliding) {
    const gw_json *lt = gw_json_get(gw_hf_text_config(c->hf), "layer_types");
    if (lt && !gw_json_is_null(lt)) {
        if (gw_json_kind_of(lt) != GW_JSON_ARRAY || gw_json_len(lt) != (size_t)g->n_layer)
            return gw_set_err(c->err, GW_E_FORMAT, "%s/config.json: 'layer_types' must be an array of %lld entries",
                              c->hf_dir, (long long)g->n_layer);
        for (int64_t i = 0; i < g->n_layer; i++) {
            const char *s = gw_json_str(gw_json_at(lt, (size_t)i), NULL);
            if (s && !strcmp(s, "sliding_attention")) sliding[i] = 1;
            else if (s && !strcmp(s, "full_attention")) sliding[i] = 0;
            else
                return gw_set_err(c->err, GW_E_UNSUPPORTED, "%s/config.json: layer_types[%lld] = '%s' is not supported",
                                  c->hf_dir, (long long)i, s ? s : "?");
        }
        return GW_OK;
    }
    int64_t pattern;
    int rc = gw_convert_opt_int(c, "sliding_window_pattern", 0, &pattern);
    if (!rc && !pattern) rc = gw_convert_opt_int(c, "_sliding_window_pattern", 0, &pattern);
    if (rc) return rc;
    for (int64_t i = 0; i < g->n_layer; i++) {
        if (g->gen == 2) sliding[i] = i % 2 == 0;
        else sliding[i] = pattern > 0 ? (i + 1) % pattern != 0 : (i + 1) % 6 != 0;
    }
    return GW_OK;
}

static int write_metadata(gw_convert_ctx *c, gcfg *g) {
    gw_gguf_writer *w = c->w;
    char k[128];
    int rc;
    gw_gguf_writer_set_str(w, "general.architecture", g->arch);
#define U32(suffix, v) (key(k, sizeof k, g, suffix), gw_gguf_writer_set_u32(w, k, (uint32_t)(v)))
#define F32(suffix, v) (key(k, sizeof k, g, suffix), gw_gguf_writer_set_f32(w, k, (float)(v)))
    U32("context_length", g->n_ctx);
    U32("embedding_length", g->n_embd);
    U32("block_count", g->n_layer);
    U32("feed_forward_length", g->n_ff);
    U32("attention.head_count", g->n_head);
    U32("attention.head_count_kv", g->n_head_kv);
    U32("attention.key_length", g->head_dim);
    U32("attention.value_length", g->head_dim);
    F32("attention.layer_norm_rms_epsilon", g->eps);
    F32("rope.freq_base", g->rope_global);
    /* transformers keeps the rope inverse frequencies and the embedding
     * normalizer as buffers in the model's dtype: a bf16 checkpoint runs
     * with both rounded to bf16 (docs/gguf-format.md, "buffer precision").
     * Absent keys mean exact f32 values, as llama.cpp computes them. */
    const char *dt = gw_json_str(gw_json_get(gw_hf_text_config(c->hf), "dtype"), NULL);
    if (!dt) dt = gw_json_str(gw_json_get(gw_hf_text_config(c->hf), "torch_dtype"), NULL);
    if (!dt) dt = gw_json_str(gw_json_get(gw_hf_config(c->hf), "dtype"), NULL);
    if (!dt) dt = gw_json_str(gw_json_get(gw_hf_config(c->hf), "torch_dtype"), NULL);
    if (dt && !strcmp(dt, "bfloat16")) {
        F32("embedding_scale", gw_bf16_to_f32(gw_f32_to_bf16((float)sqrt((double)g->n_embd))));
        key(k, sizeof k, g, "rope.inv_freq_bf16");
        gw_gguf_writer_set_bool(w, k, 1);
    }
    if (g->gen == 1) return GW_OK;

    double scalar, cap;
    if ((rc = gw_hf_cfg_num(c->hf, "query_pre_attn_scalar", &scalar, c->err)) == GW_OK) {
        if (!(scalar > 0)) return gw_set_err(c->err, GW_E_FORMAT, "%s/config.json: query_pre_attn_scalar must be positive", c->hf_dir);
        F32("attention.scale", 1.0 / sqrt(scalar));
    } else if (rc != GW_E_NOT_FOUND) return rc;
    if ((rc = gw_hf_cfg_num(c->hf, "attn_logit_softcapping", &cap, c->err)) == GW_OK) F32("attn_logit_softcapping", cap);
    else if (rc != GW_E_NOT_FOUND) return rc;
    if ((rc = gw_hf_cfg_num(c->hf, "final_logit_softcapping", &cap, c->err)) == GW_OK) F32("final_logit_softcapping", cap);
    else if (rc != GW_E_NOT_FOUND) return rc;
    if (g->gen == 3) F32("rope.freq_base_swa", g->rope_local);

    int64_t window;
    if ((rc = gw_hf_cfg_int(c->hf, "sliding_window", &window, c->err)) == GW_OK && window > 0) {
        U32("attention.sliding_window", window);
        uint8_t *sl = calloc((size_t)g->n_layer, 1);
        if (!sl) return gw_set_err(c->err, GW_E_NOMEM, "out of memory");
        if (!(rc = sliding_layers(c, g, sl))) {
            key(k, sizeof k, g, "attention.sliding_window_pattern");
            gw_gguf_writer_set_arr(w, k, GW_GGUF_BOOL, sl, (uint64_t)g->n_layer);
        }
        free(sl);
        if (rc) return rc;
    } else if (rc && rc != GW_E_NOT_FOUND) {
        return rc;
    }
#undef U32
#undef F32
    return GW_OK;
}

static int read_config(gw_convert_ctx *c, gcfg *g) {
    const char *mt = gw_hf_model_type(c->hf);
    if (!strcmp(mt, "gemma")) { g->arch = "gemma"; g->gen = 1; }
    else if (!strcmp(mt, "gemma2")) { g->arch = "gemma2"; g->gen = 2; }
    else if (!strcmp(mt, "gemma3") || !strcmp(mt, "gemma3_text")) { g->arch = "gemma3"; g->gen = 3; }
    else if (!strcmp(gw_hf_root_model_type(c->hf), "gemma3")) { g->arch = "gemma3"; g->gen = 3; }
    else return gw_set_err(c->err, GW_E_UNSUPPORTED, "%s/config.json: model_type '%s' is not a Gemma text model", c->hf_dir, mt);
    int rc;
    if ((rc = gw_hf_cfg_req_int(c->hf, "hidden_size", &g->n_embd, c->err)) ||
        (rc = gw_hf_cfg_req_int(c->hf, "num_hidden_layers", &g->n_layer, c->err)) ||
        (rc = gw_hf_cfg_req_int(c->hf, "intermediate_size", &g->n_ff, c->err)) ||
        (rc = gw_hf_cfg_req_int(c->hf, "num_attention_heads", &g->n_head, c->err)))
        return rc;
    if ((rc = gw_convert_opt_int(c, "num_key_value_heads", g->n_head, &g->n_head_kv)) ||
        (rc = gw_convert_opt_int(c, "head_dim", g->n_embd / g->n_head, &g->head_dim)) ||
        (rc = gw_convert_opt_int(c, "vocab_size", 0, &g->n_vocab)) ||
        (rc = gw_convert_opt_int(c, "max_position_embeddings", 8192, &g->n_ctx)) ||
        (rc = gw_convert_opt_num(c, "rms_norm_eps", 1e-6, &g->eps)))
        return rc;
    if (g->n_layer > MAX_LAYERS || g->n_head_kv <= 0 || g->head_dim <= 0 || g->n_head % g->n_head_kv || g->n_vocab < 0)
        return gw_set_err(c->err, GW_E_FORMAT, "%s/config.json: inconsistent sizes (layers %lld, heads %lld/%lld, head_dim %lld)",
                          c->hf_dir, (long long)g->n_layer, (long long)g->n_head, (long long)g->n_head_kv,
                          (long long)g->head_dim);
    if ((rc = rope_bases(c, g))) return rc;
    /* where the text model's tensors live */
    static const char *prefixes[] = {"model.", "model.language_model.", "language_model.model."};
    char nm[128];
    g->prefix = NULL;
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes && !g->prefix; i++) {
        snprintf(nm, sizeof nm, "%sembed_tokens.weight", prefixes[i]);
        if (gw_convert_find(c, nm)) g->prefix = prefixes[i];
    }
    if (!g->prefix) return gw_set_err(c->err, GW_E_NOT_FOUND, "%s: missing tensor 'model.embed_tokens.weight'", c->hf_dir);
    return GW_OK;
}

int gw_convert_gemma(gw_convert_ctx *c) {
    gcfg g;
    memset(&g, 0, sizeof g);
    int rc;
    if ((rc = read_config(c, &g)) || (rc = write_metadata(c, &g))) return rc;
    const int64_t d = g.n_embd, qd = g.n_head * g.head_dim, kvd = g.n_head_kv * g.head_dim, ff = g.n_ff;
    char hn[256];
    const char *P = g.prefix;
#define TENSOR(gguf, hf, flags, ...)                                                   \
    do {                                                                               \
        const int64_t want_[] = {__VA_ARGS__};                                         \
        snprintf(hn, sizeof hn, "%s%s", P, hf);                                        \
        if ((rc = gw_convert_tensor(c, gguf, hn, (int)(sizeof want_ / sizeof *want_), want_, flags))) \
            return rc;                                                                 \
    } while (0)
    TENSOR("token_embd.weight", "embed_tokens.weight", 0, g.n_vocab, d);
    char gn[128], ln[128];
    for (int64_t l = 0; l < g.n_layer; l++) {
#define LAYER(gsuffix, hsuffix, flags, ...)                                            \
    snprintf(gn, sizeof gn, "blk.%lld.%s.weight", (long long)l, gsuffix);              \
    snprintf(ln, sizeof ln, "layers.%lld.%s.weight", (long long)l, hsuffix);           \
    TENSOR(gn, ln, flags, __VA_ARGS__)
        LAYER("attn_norm", "input_layernorm", GW_CONV_NORM, d);
        LAYER("attn_q", "self_attn.q_proj", 0, qd, d);
        LAYER("attn_k", "self_attn.k_proj", 0, kvd, d);
        LAYER("attn_v", "self_attn.v_proj", 0, kvd, d);
        LAYER("attn_output", "self_attn.o_proj", 0, d, qd);
        if (g.gen == 1) {
            LAYER("ffn_norm", "post_attention_layernorm", GW_CONV_NORM, d);
        } else {
            LAYER("post_attention_norm", "post_attention_layernorm", GW_CONV_NORM, d);
            LAYER("ffn_norm", "pre_feedforward_layernorm", GW_CONV_NORM, d);
            LAYER("post_ffw_norm", "post_feedforward_layernorm", GW_CONV_NORM, d);
        }
        if (g.gen == 3) {
            LAYER("attn_q_norm", "self_attn.q_norm", GW_CONV_NORM, g.head_dim);
            LAYER("attn_k_norm", "self_attn.k_norm", GW_CONV_NORM, g.head_dim);
        }
        LAYER("ffn_gate", "mlp.gate_proj", 0, ff, d);
        LAYER("ffn_up", "mlp.up_proj", 0, ff, d);
        LAYER("ffn_down", "mlp.down_proj", 0, d, ff);
#undef LAYER
    }
    TENSOR("output_norm.weight", "norm.weight", GW_CONV_NORM, d);
    /* untied output head: lm_head next to the text model */
    int tied = 1;
    if ((rc = gw_hf_cfg_bool(c->hf, "tie_word_embeddings", &tied, c->err)) && rc != GW_E_NOT_FOUND) return rc;
    if (rc == GW_E_NOT_FOUND) {
        const gw_json *tw = gw_json_get(gw_hf_config(c->hf), "tie_word_embeddings");
        tied = tw && gw_json_kind_of(tw) == GW_JSON_BOOL ? gw_json_bool(tw) : 1;
    }
    const char *head = gw_convert_find(c, "lm_head.weight") ? "lm_head.weight"
                       : gw_convert_find(c, "language_model.lm_head.weight") ? "language_model.lm_head.weight" : NULL;
    if (!tied) {
        if (!head) return gw_set_err(c->err, GW_E_NOT_FOUND, "%s: missing tensor 'lm_head.weight' (tie_word_embeddings is false)", c->hf_dir);
        const int64_t want[2] = {g.n_vocab, d};
        if ((rc = gw_convert_tensor(c, "output.weight", head, 2, want, 0))) return rc;
    }
#undef TENSOR
    return GW_OK;
}
