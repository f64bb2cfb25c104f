/* griffin_config.c — RecurrentGemma (Griffin): the configuration from the
 * "recurrentgemma" GGUF metadata keys and the binding of every tensor with
 * shape checks against it. Keys and tensor layouts are documented in
 * docs/gguf-format.md, section "recurrentgemma". */
#include <math.h>
#include <stdio.h>

#include "model.h"

#define ARCH "recurrentgemma"

static int get_int(const gw_gguf *g, const char *suffix, int required, int dflt, int *out,
                   gw_err *err) {
    char key[128];
    snprintf(key, sizeof key, ARCH ".%s", suffix);
    uint32_t v;
    int rc = gw_gguf_get_u32(g, key, &v, err);
    if (rc == GW_E_NOT_FOUND) {
        if (required)
            return gw_set_err(err, GW_E_FORMAT, "%s: missing metadata key '%s'", gw_gguf_name(g), key);
        *out = dflt;
        return GW_OK;
    }
    if (rc) return rc;
    if (v > (1u << 30))
        return gw_set_err(err, GW_E_FORMAT, "%s: metadata '%s' = %u is out of range", gw_gguf_name(g), key, v);
    *out = (int)v;
    return GW_OK;
}

static int get_float(const gw_gguf *g, const char *suffix, float dflt, float *out, gw_err *err) {
    char key[128];
    snprintf(key, sizeof key, ARCH ".%s", suffix);
    int rc = gw_gguf_get_f32(g, key, out, err);
    if (rc == GW_E_NOT_FOUND) { *out = dflt; return GW_OK; }
    if (rc == GW_OK && !isfinite(*out))
        return gw_set_err(err, GW_E_FORMAT, "%s: metadata '%s' is not finite", gw_gguf_name(g), key);
    return rc;
}

/* recurrentgemma.block_types: a string array ("recurrent" / "attention"),
 * one per layer, or a shorter pattern repeated as transformers does. */
static int read_block_types(const gw_gguf *g, gw_config *c, gw_err *err) {
    int et;
    uint64_t n;
    const void *data;
    int rc = gw_gguf_get_arr(g, ARCH ".block_types", &et, &n, &data, err);
    if (rc == GW_E_NOT_FOUND)
        return gw_set_err(err, GW_E_FORMAT, "%s: missing metadata key '" ARCH ".block_types'", gw_gguf_name(g));
    if (rc) return rc;
    if (et != GW_GGUF_STRING || n == 0 || n > (uint64_t)c->n_layer)
        return gw_set_err(err, GW_E_FORMAT,
                          "%s: '" ARCH ".block_types' must be an array of 1..%d strings",
                          gw_gguf_name(g), c->n_layer);
    const gw_gguf_str *s = data;
    for (int l = 0; l < c->n_layer; l++) {
        const gw_gguf_str *b = &s[(uint64_t)l % n];
        if (!strcmp(b->s, "recurrent")) c->layer_kind[l] = GW_LAYER_RECURRENT;
        else if (!strcmp(b->s, "attention")) c->layer_kind[l] = GW_LAYER_ATTENTION;
        else
            return gw_set_err(err, GW_E_FORMAT,
                              "%s: '" ARCH ".block_types' entry %llu is '%.40s' (expected 'recurrent' or 'attention')",
                              gw_gguf_name(g), (unsigned long long)((uint64_t)l % n), b->s);
    }
    return GW_OK;
}

int gw_griffin_config(const gw_gguf *g, gw_config *c, gw_err *err) {
    int rc;
    c->arch = GW_ARCH_RECURRENTGEMMA;
    if ((rc = get_int(g, "embedding_length", 1, 0, &c->n_embd, err))) return rc;
    if ((rc = get_int(g, "block_count", 1, 0, &c->n_layer, err))) return rc;
    if ((rc = get_int(g, "feed_forward_length", 1, 0, &c->n_ff, err))) return rc;
    if ((rc = get_int(g, "attention.head_count", 1, 0, &c->n_head, err))) return rc;
    if ((rc = get_int(g, "attention.head_count_kv", 0, c->n_head, &c->n_head_kv, err))) return rc;
    if ((rc = get_int(g, "context_length", 0, 8192, &c->n_ctx_train, err))) return rc;
    if (c->n_embd <= 0 || c->n_layer <= 0 || c->n_ff <= 0 || c->n_head <= 0 || c->n_head_kv <= 0 ||
        c->n_head % c->n_head_kv)
        return gw_set_err(err, GW_E_FORMAT, "%s: inconsistent sizes (embd %d, layers %d, ff %d, heads %d/%d)",
                          gw_gguf_name(g), c->n_embd, c->n_layer, c->n_ff, c->n_head, c->n_head_kv);
    if (c->n_layer > GW_MAX_LAYERS)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: %d layers (max %d)", gw_gguf_name(g), c->n_layer, GW_MAX_LAYERS);
    if ((rc = get_int(g, "attention.key_length", 0, c->n_embd / c->n_head, &c->head_dim, err))) return rc;
    int vdim;
    if ((rc = get_int(g, "attention.value_length", 0, c->head_dim, &vdim, err))) return rc;
    if (vdim != c->head_dim || c->head_dim <= 0)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: head sizes key %d / value %d not supported",
                          gw_gguf_name(g), c->head_dim, vdim);
    if ((rc = get_int(g, "rope.dimension_count", 0, c->head_dim / 2, &c->rope_dim, err))) return rc;
    if (c->rope_dim % 2 || c->rope_dim > c->head_dim)
        return gw_set_err(err, GW_E_FORMAT, "%s: rope.dimension_count %d must be even and <= head size %d",
                          gw_gguf_name(g), c->rope_dim, c->head_dim);
    if ((rc = get_int(g, "attention.sliding_window", 1, 0, &c->sliding_window, err))) return rc;
    if (c->sliding_window <= 0)
        return gw_set_err(err, GW_E_FORMAT, "%s: attention.sliding_window must be > 0", gw_gguf_name(g));
    if ((rc = get_int(g, "rg_lru_width", 0, c->n_embd, &c->lru_width, err))) return rc;
    if ((rc = get_int(g, "conv_kernel", 0, 4, &c->conv_width, err))) return rc;
    c->n_lru_blocks = c->n_head;
    if (c->lru_width <= 0 || c->lru_width % c->n_lru_blocks || c->conv_width <= 0 || c->conv_width > 64)
        return gw_set_err(err, GW_E_FORMAT,
                          "%s: rg_lru_width %d must be a multiple of the head count %d; conv_kernel %d must be in 1..64",
                          gw_gguf_name(g), c->lru_width, c->n_lru_blocks, c->conv_width);
    if ((rc = get_float(g, "attention.layer_norm_rms_epsilon", 1e-6f, &c->rms_eps, err))) return rc;
    if ((rc = get_float(g, "rope.freq_base", 10000.0f, &c->rope_theta, err))) return rc;
    c->rope_theta_local = c->rope_theta;
    /* rope inverse frequencies, bf16-rounded when the checkpoint was bf16
     * (transformers' inv_freq buffer then is; docs/gguf-format.md) */
    int freq_bf16 = 0;
    rc = gw_gguf_get_bool(g, ARCH ".rope.inv_freq_bf16", &freq_bf16, err);
    if (rc && rc != GW_E_NOT_FOUND) return rc;
    if (c->rope_dim / 2 > GW_ROPE_MAX_PAIRS)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: rope.dimension_count %d (max %d)", gw_gguf_name(g), c->rope_dim,
                          2 * GW_ROPE_MAX_PAIRS);
    gw_rope_inv_freq(c->rope_freq, c->rope_dim, c->rope_theta, freq_bf16);
    memcpy(c->rope_freq_local, c->rope_freq, sizeof c->rope_freq);
    if ((rc = get_float(g, "final_logit_softcapping", 0.0f, &c->final_softcap, err))) return rc;
    if (c->final_softcap < 0) c->final_softcap = 0;
    if ((rc = read_block_types(g, c, err))) return rc;
    c->attn_scale = 1.0f / sqrtf((float)c->head_dim);
    c->attn_softcap = 0.0f;
    /* transformers keeps the normalizer as a bfloat16 buffer, whatever the
     * model's dtype: bf16(sqrt(d)) unless the file says otherwise */
    if ((rc = get_float(g, "embedding_scale", gw_bf16_to_f32(gw_f32_to_bf16((float)sqrt((double)c->n_embd))),
                        &c->embd_scale, err)))
        return rc;
    c->has_qk_norm = 0;
    c->has_post_norms = 0;
    c->bos_id = 2;
    c->eos_id = 1;
    c->eot_id = -1;
    return GW_OK;
}

/* A tensor the kernels read directly as f32 (conv taps, gate blocks). */
static int need_f32(gw_model *m, const gw_tensor *t, gw_err *err) {
    if (t && t->type != GW_TYPE_F32)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: tensor '%s' has type %s; it must be f32",
                          gw_gguf_name(gw_gguf_set_meta(m->files)), t->name,
                          gw_type_name(t->type) ? gw_type_name(t->type) : "?");
    return GW_OK;
}

int gw_griffin_bind(gw_model *m, gw_err *err) {
    gw_config *c = &m->cfg;
    int rc;
    char name[96];
    const int64_t d = c->n_embd, qd = (int64_t)c->n_head * c->head_dim,
                  kvd = (int64_t)c->n_head_kv * c->head_dim, ff = c->n_ff, w = c->lru_width,
                  nb = c->n_lru_blocks, bw = w / nb, K = c->conv_width;
    /* n_vocab comes from the embedding (synthetic models set it beforehand) */
    if ((rc = gw_model_tensor(m, "token_embd.weight", d, c->n_vocab, 1, 1, &m->tok_embd, err))) return rc;
    c->n_vocab = (int)m->tok_embd->ne[1];
    if ((rc = gw_model_tensor(m, "output_norm.weight", d, 1, 1, 1, &m->output_norm, err))) return rc;
    if ((rc = gw_model_tensor(m, "output.weight", d, c->n_vocab, 1, 0, &m->output, err))) return rc;
    if (!m->output) m->output = m->tok_embd;
#define T(field, suffix, a, b, cc) \
    snprintf(name, sizeof name, "blk.%d." suffix, l); \
    if ((rc = gw_model_tensor(m, name, a, b, cc, 1, &L->field, err))) return rc;
    for (int l = 0; l < c->n_layer; l++) {
        gw_layer *L = &m->layers[l];
        T(attn_norm, "attn_norm.weight", d, 1, 1);
        T(ffn_norm, "ffn_norm.weight", d, 1, 1);
        T(ffn_gate, "ffn_gate.weight", d, ff, 1);
        T(ffn_gate_b, "ffn_gate.bias", ff, 1, 1);
        T(ffn_up, "ffn_up.weight", d, ff, 1);
        T(ffn_up_b, "ffn_up.bias", ff, 1, 1);
        T(ffn_down, "ffn_down.weight", ff, d, 1);
        T(ffn_down_b, "ffn_down.bias", d, 1, 1);
        if (c->layer_kind[l] == GW_LAYER_RECURRENT) {
            T(rg_x, "rg_x.weight", d, w, 1);
            T(rg_x_b, "rg_x.bias", w, 1, 1);
            T(rg_y, "rg_y.weight", d, w, 1);
            T(rg_y_b, "rg_y.bias", w, 1, 1);
            T(rg_out, "rg_out.weight", w, d, 1);
            T(rg_out_b, "rg_out.bias", d, 1, 1);
            T(rg_conv, "rg_conv1d.weight", w, K, 1);
            T(rg_conv_b, "rg_conv1d.bias", w, 1, 1);
            T(rg_a_param, "rg_lru.a_param", w, 1, 1);
            T(rg_in_gate, "rg_lru.input_gate.weight", bw, bw, nb);
            T(rg_in_gate_b, "rg_lru.input_gate.bias", w, 1, 1);
            T(rg_a_gate, "rg_lru.a_gate.weight", bw, bw, nb);
            T(rg_a_gate_b, "rg_lru.a_gate.bias", w, 1, 1);
            if ((rc = need_f32(m, L->rg_conv, err)) || (rc = need_f32(m, L->rg_in_gate, err)) ||
                (rc = need_f32(m, L->rg_a_gate, err)))
                return rc;
        } else {
            T(attn_q, "attn_q.weight", d, qd, 1);
            T(attn_k, "attn_k.weight", d, kvd, 1);
            T(attn_v, "attn_v.weight", d, kvd, 1);
            T(attn_o, "attn_output.weight", qd, d, 1);
            T(attn_o_b, "attn_output.bias", d, 1, 1);
        }
    }
#undef T
    return GW_OK;
}
