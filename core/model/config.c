/* config.c — the Gemma 1/2/3 configuration from GGUF metadata (llama.cpp's
 * keys, plus the extensions documented in docs/gguf-format.md), and tensor
 * binding with shape checks against that configuration. */
#include <math.h>
#include <stdio.h>

#include "model.h"

static int get_u32(const gw_gguf *g, const char *arch, const char *suffix, int required,
                   uint32_t dflt, int *out, gw_err *err) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    uint32_t v;
    int rc = gw_gguf_get_u32(g, key, &v, err);
    if (rc == GW_E_NOT_FOUND) {
        if (required) return gw_set_err(err, GW_E_FORMAT, "%s: missing metadata key '%s'", gw_gguf_name(g), key);
        v = dflt;
    } else if (rc) {
        return rc;
    }
    if (v > (1u << 30)) return gw_set_err(err, GW_E_FORMAT, "%s: metadata '%s' = %u is out of range", gw_gguf_name(g), key, v);
    *out = (int)v;
    return GW_OK;
}

static int get_f32(const gw_gguf *g, const char *arch, const char *suffix, float dflt, float *out,
                   gw_err *err) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    int rc = gw_gguf_get_f32(g, key, out, err);
    if (rc == GW_E_NOT_FOUND) { *out = dflt; return GW_OK; }
    if (rc == GW_OK && !isfinite(*out))
        return gw_set_err(err, GW_E_FORMAT, "%s: metadata '%s' is not finite", gw_gguf_name(g), key);
    return rc;
}

int gw_transformer_config(const gw_gguf *g, gw_config *c, gw_err *err) {
    const char *arch = c->arch == GW_ARCH_GEMMA ? "gemma" : c->arch == GW_ARCH_GEMMA2 ? "gemma2" : "gemma3";
    int rc;
    if ((rc = get_u32(g, arch, "embedding_length", 1, 0, &c->n_embd, err))) return rc;
    if ((rc = get_u32(g, arch, "block_count", 1, 0, &c->n_layer, err))) return rc;
    if ((rc = get_u32(g, arch, "feed_forward_length", 1, 0, &c->n_ff, err))) return rc;
    if ((rc = get_u32(g, arch, "attention.head_count", 1, 0, &c->n_head, err))) return rc;
    if ((rc = get_u32(g, arch, "attention.head_count_kv", 0, (uint32_t)c->n_head, &c->n_head_kv, err))) return rc;
    if ((rc = get_u32(g, arch, "context_length", 0, 8192, &c->n_ctx_train, err))) return rc;
    if (c->n_embd <= 0 || c->n_layer <= 0 || c->n_ff <= 0 || c->n_head <= 0 || c->n_head_kv <= 0 ||
        c->n_head % c->n_head_kv)
        return gw_set_err(err, GW_E_FORMAT, "%s: inconsistent sizes (embd %d, layers %d, ff %d, heads %d/%d)",
                          gw_gguf_name(g), c->n_embd, c->n_layer, c->n_ff, c->n_head, c->n_head_kv);
    if (c->n_layer > GW_MAX_LAYERS)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: %d layers (max %d)", gw_gguf_name(g), c->n_layer, GW_MAX_LAYERS);
    if ((rc = get_u32(g, arch, "attention.key_length", 0, (uint32_t)(c->n_embd / c->n_head), &c->head_dim, err))) return rc;
    int vdim;
    if ((rc = get_u32(g, arch, "attention.value_length", 0, (uint32_t)c->head_dim, &vdim, err))) return rc;
    if (vdim != c->head_dim || c->head_dim <= 0 || c->head_dim % 2)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: head sizes key %d / value %d not supported", gw_gguf_name(g), c->head_dim, vdim);
    c->rope_dim = c->head_dim;
    if ((rc = get_f32(g, arch, "attention.layer_norm_rms_epsilon", 1e-6f, &c->rms_eps, err))) return rc;
    if ((rc = get_f32(g, arch, "rope.freq_base", 10000.0f, &c->rope_theta, err))) return rc;
    if ((rc = get_f32(g, arch, "rope.freq_base_swa", 10000.0f, &c->rope_theta_local, err))) return rc;
    if (c->arch != GW_ARCH_GEMMA3) c->rope_theta_local = c->rope_theta;
    char key[128];
    snprintf(key, sizeof key, "%s.rope.scaling.type", arch);
    gw_gguf_str st;
    if (gw_gguf_get_str(g, key, &st, NULL) == GW_OK && strcmp(st.s, "none"))
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: rope scaling '%s' is not supported yet", gw_gguf_name(g), st.s);

    /* Attention scale: explicit key, else llama.cpp's rule (27B models use
     * n_embd/n_head as query_pre_attn_scalar). */
    float scale = 0.0f;
    if ((rc = get_f32(g, arch, "attention.scale", 0.0f, &scale, err))) return rc;
    if (scale <= 0.0f) {
        int big = (c->arch == GW_ARCH_GEMMA2 && c->n_layer == 46) || (c->arch == GW_ARCH_GEMMA3 && c->n_layer == 62);
        scale = 1.0f / sqrtf((float)(big ? c->n_embd / c->n_head : c->head_dim));
    }
    c->attn_scale = scale;
    if ((rc = get_f32(g, arch, "attn_logit_softcapping", 0.0f, &c->attn_softcap, err))) return rc;
    if ((rc = get_f32(g, arch, "final_logit_softcapping", 0.0f, &c->final_softcap, err))) return rc;
    /* transformers' float32 normalizer, unless the file says otherwise
     * (a bf16 checkpoint's normalizer buffer is bf16: docs/gguf-format.md). */
    if ((rc = get_f32(g, arch, "embedding_scale", (float)sqrt((double)c->n_embd), &c->embd_scale, err))) return rc;
    int freq_bf16 = 0;
    snprintf(key, sizeof key, "%s.rope.inv_freq_bf16", arch);
    if ((rc = gw_gguf_get_bool(g, key, &freq_bf16, err)) && rc != GW_E_NOT_FOUND) return rc;
    if (c->rope_dim / 2 > GW_ROPE_MAX_PAIRS)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: rotary size %d (max %d)", gw_gguf_name(g), c->rope_dim, 2 * GW_ROPE_MAX_PAIRS);
    gw_rope_inv_freq(c->rope_freq, c->rope_dim, c->rope_theta, freq_bf16);
    gw_rope_inv_freq(c->rope_freq_local, c->rope_dim, c->rope_theta_local, freq_bf16);
    c->has_qk_norm = c->arch == GW_ARCH_GEMMA3;
    c->has_post_norms = c->arch != GW_ARCH_GEMMA;

    /* Sliding layers. */
    c->sliding_window = 0;
    for (int i = 0; i < c->n_layer; i++) c->layer_kind[i] = GW_LAYER_GLOBAL;
    if (c->arch != GW_ARCH_GEMMA) {
        if ((rc = get_u32(g, arch, "attention.sliding_window", 0, 0, &c->sliding_window, err))) return rc;
        snprintf(key, sizeof key, "%s.attention.sliding_window_pattern", arch);
        int et;
        uint64_t n;
        const void *data;
        rc = gw_gguf_get_arr(g, key, &et, &n, &data, err);
        if (rc == GW_OK) {
            if (et != GW_GGUF_BOOL || n != (uint64_t)c->n_layer)
                return gw_set_err(err, GW_E_FORMAT, "%s: '%s' must be a bool array of %d entries", gw_gguf_name(g), key, c->n_layer);
            for (int i = 0; i < c->n_layer; i++)
                c->layer_kind[i] = ((const uint8_t *)data)[i] ? GW_LAYER_SLIDING : GW_LAYER_GLOBAL;
        } else if (rc == GW_E_NOT_FOUND) {
            for (int i = 0; i < c->n_layer; i++) {
                int sliding = c->arch == GW_ARCH_GEMMA2 ? (i % 2 == 0) : ((i + 1) % 6 != 0);
                c->layer_kind[i] = sliding ? GW_LAYER_SLIDING : GW_LAYER_GLOBAL;
            }
        } else {
            return rc;
        }
        if (c->sliding_window <= 0)
            for (int i = 0; i < c->n_layer; i++) c->layer_kind[i] = GW_LAYER_GLOBAL;
    }
    c->bos_id = 2;
    c->eos_id = 1;
    c->eot_id = -1;
    return GW_OK;
}

int gw_transformer_bind(gw_model *m, gw_err *err) {
    gw_config *c = &m->cfg;
    int rc;
    char name[96];
    int64_t d = c->n_embd, qd = (int64_t)c->n_head * c->head_dim, kvd = (int64_t)c->n_head_kv * c->head_dim;
    /* n_vocab comes from the embedding's shape (0 = any) unless already known */
    if ((rc = gw_model_tensor(m, "token_embd.weight", d, c->n_vocab, 1, 1, &m->tok_embd, err))) return rc;
    c->n_vocab = (int)m->tok_embd->ne[1];
    if ((rc = gw_model_tensor(m, "output_norm.weight", d, 1, 1, 1, &m->output_norm, err))) return rc;
    if ((rc = gw_model_tensor(m, "output.weight", d, c->n_vocab, 1, 0, &m->output, err))) return rc;
    if (!m->output) m->output = m->tok_embd;
#define T(field, suffix, a, b, req) \
    snprintf(name, sizeof name, "blk.%d." suffix ".weight", l); \
    if ((rc = gw_model_tensor(m, name, a, b, 1, req, &L->field, err))) return rc;
    for (int l = 0; l < c->n_layer; l++) {
        gw_layer *L = &m->layers[l];
        T(attn_norm, "attn_norm", d, 1, 1);
        T(attn_q, "attn_q", d, qd, 1);
        T(attn_k, "attn_k", d, kvd, 1);
        T(attn_v, "attn_v", d, kvd, 1);
        T(attn_o, "attn_output", qd, d, 1);
        T(ffn_norm, "ffn_norm", d, 1, 1);
        T(ffn_gate, "ffn_gate", d, c->n_ff, 1);
        T(ffn_up, "ffn_up", d, c->n_ff, 1);
        T(ffn_down, "ffn_down", c->n_ff, d, 1);
        if (c->has_post_norms) {
            T(post_attn_norm, "post_attention_norm", d, 1, 1);
            T(post_ffw_norm, "post_ffw_norm", d, 1, 1);
        }
        if (c->has_qk_norm) {
            T(attn_q_norm, "attn_q_norm", c->head_dim, 1, 1);
            T(attn_k_norm, "attn_k_norm", c->head_dim, 1, 1);
        }
    }
#undef T
    return GW_OK;
}
