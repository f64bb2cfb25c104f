/* convert_recurrentgemma.c — RecurrentGemma (HF `recurrent_gemma`,
 * RecurrentGemmaForCausalLM) checkpoints to GGUF architecture
 * `recurrentgemma`: llama.cpp-style metadata keys plus the Griffin ones
 * (rg_lru_width, conv_kernel, block_types, final_logit_softcapping) and
 * tensor names, as documented in docs/gguf-format.md ("recurrentgemma") and
 * read by core/model/griffin_config.c. Layout changes from HF:
 *   - norms are stored as 1 + w (as for Gemma);
 *   - conv_1d.weight [lru, 1, K] becomes tap-major rg_conv1d.weight
 *     (GGUF ne {lru, K}: row k holds tap k of every channel), F32;
 *   - the RG-LRU gate blocks [heads, in, out] keep their layout
 *     (GGUF ne {out, in, heads}), F32; their biases [heads, bw] are
 *     flattened to [lru];
 *   - MLP intermediate_size is HF's intermediate_size / 2 (as the model
 *     uses it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

#define ARCH "recurrentgemma"
#define MAX_LAYERS 4096

typedef struct rgcfg {
    int64_t n_embd, n_layer, n_ff, n_head, n_head_kv, head_dim, n_vocab, lru, conv, window;
    double eps, theta, rot_factor, softcap;
} rgcfg;


/* rope_theta / partial_rotary_factor: transformers 5 keeps them in
 * rope_parameters, older configs at the top level. */
static int rope_params(gw_convert_ctx *c, rgcfg *g) {
    int rc;
    if ((rc = gw_convert_opt_num(c, "rope_theta", 10000.0, &g->theta)) ||
        (rc = gw_convert_opt_num(c, "partial_rotary_factor", 0.5, &g->rot_factor)))
        return rc;
    const gw_json *rp = gw_json_get(gw_hf_text_config(c->hf), "rope_parameters");
    if (rp && !gw_json_is_null(rp)) {
        if (gw_json_kind_of(rp) != GW_JSON_OBJECT)
            return gw_set_err(c->err, GW_E_FORMAT, "%s/config.json: 'rope_parameters' is not an object", c->hf_dir);
        const gw_json *t = gw_json_get(rp, "rope_theta"), *f = gw_json_get(rp, "partial_rotary_factor");
        if (t && gw_json_kind_of(t) == GW_JSON_NUMBER) g->theta = gw_json_num(t);
        if (f && gw_json_kind_of(f) == GW_JSON_NUMBER) g->rot_factor = gw_json_num(f);
        const char *rt = gw_json_str(gw_json_get(rp, "rope_type"), NULL);
        if (rt && strcmp(rt, "default"))
            return gw_set_err(c->err, GW_E_UNSUPPORTED, "%s/config.json: rope_type '%s' is not supported",
                              c->hf_dir, rt);
    }
    if (!(g->theta > 0) || !(g->rot_factor > 0) || g->rot_factor > 1)
        return gw_set_err(c->err, GW_E_FORMAT, "%s/config.json: rope_theta %g / partial_rotary_factor %g out of range",
                          c->hf_dir, g->theta, g->rot_factor);
    return GW_OK;
}

/* block_types, repeated over the layers as transformers' layers_block_type. */
static int block_types(gw_convert_ctx *c, rgcfg *g, const char **types) {
    const gw_json *bt = gw_json_get(gw_hf_text_config(c->hf), "block_types");
    size_t n = bt && gw_json_kind_of(bt) == GW_JSON_ARRAY ? gw_json_len(bt) : 0;
    if (!n)
        return gw_set_err(c->err, GW_E_FORMAT, "%s/config.json: 'block_types' must be a non-empty array", c->hf_dir);
    for (int64_t l = 0; l < g->n_layer; l++) {
        const char *s = gw_json_str(gw_json_at(bt, (size_t)l % n), NULL);
        if (!s || (strcmp(s, "recurrent") && strcmp(s, "attention")))
            return gw_set_err(c->err, GW_E_FORMAT,
                              "%s/config.json: block_types[%zu] must be \"recurrent\" or \"attention\"", c->hf_dir,
                              (size_t)l % n);
        types[l] = s;
    }
    return GW_OK;
}

static int read_config(gw_convert_ctx *c, rgcfg *g) {
    int rc;
    if ((rc = gw_hf_cfg_req_int(c->hf, "hidden_size", &g->n_embd, c->err)) ||
        (rc = gw_hf_cfg_req_int(c->hf, "num_hidden_layers", &g->n_layer, c->err)) ||
        (rc = gw_hf_cfg_req_int(c->hf, "intermediate_size", &g->n_ff, c->err)) ||
        (rc = gw_hf_cfg_req_int(c->hf, "num_attention_heads", &g->n_head, c->err)) ||
        (rc = gw_hf_cfg_req_int(c->hf, "vocab_size", &g->n_vocab, c->err)))
        return rc;
    if ((rc = gw_convert_opt_int(c, "num_key_value_heads", g->n_head, &g->n_head_kv)) ||
        (rc = gw_convert_opt_int(c, "head_dim", g->n_embd / g->n_head, &g->head_dim)) ||
        (rc = gw_convert_opt_int(c, "lru_width", g->n_embd, &g->lru)) ||
        (rc = gw_convert_opt_int(c, "conv1d_width", 4, &g->conv)) ||
        (rc = gw_convert_opt_int(c, "attention_window_size", 2048, &g->window)) ||
        (rc = gw_convert_opt_num(c, "rms_norm_eps", 1e-6, &g->eps)) ||
        (rc = gw_convert_opt_num(c, "logits_soft_cap", 30.0, &g->softcap)) ||
        (rc = rope_params(c, g)))
        return rc;
    g->n_ff /= 2; /* RecurrentGemmaMlp: intermediate_size // 2 per branch */
    if (g->n_layer > MAX_LAYERS || g->n_ff <= 0 || g->n_head_kv <= 0 || g->head_dim <= 0 || g->n_head % g->n_head_kv ||
        g->lru <= 0 || g->lru % g->n_head || g->conv <= 0 || g->conv > 64 || g->window <= 0)
        return gw_set_err(c->err, GW_E_FORMAT,
                          "%s/config.json: inconsistent sizes (layers %lld, heads %lld/%lld, head_dim %lld, "
                          "lru_width %lld, conv1d_width %lld, attention_window_size %lld)",
                          c->hf_dir, (long long)g->n_layer, (long long)g->n_head, (long long)g->n_head_kv,
                          (long long)g->head_dim, (long long)g->lru, (long long)g->conv, (long long)g->window);
    const char *act = gw_json_str(gw_json_get(gw_hf_text_config(c->hf), "hidden_activation"), NULL);
    if (act && strcmp(act, "gelu_pytorch_tanh"))
        return gw_set_err(c->err, GW_E_UNSUPPORTED, "%s/config.json: hidden_activation '%s' is not supported (gelu_pytorch_tanh)",
                          c->hf_dir, act);
    int bias = 0;
    if ((rc = gw_hf_cfg_bool(c->hf, "attention_bias", &bias, c->err)) && rc != GW_E_NOT_FOUND) return rc;
    if (bias)
        return gw_set_err(c->err, GW_E_UNSUPPORTED, "%s/config.json: attention_bias = true is not supported", c->hf_dir);
    return GW_OK;
}

static int write_metadata(gw_convert_ctx *c, const rgcfg *g, const char **types) {
    gw_gguf_writer *w = c->w;
    gw_gguf_writer_set_str(w, "general.architecture", ARCH);
#define U32(suffix, v) gw_gguf_writer_set_u32(w, ARCH "." suffix, (uint32_t)(v))
#define F32(suffix, v) gw_gguf_writer_set_f32(w, ARCH "." suffix, (float)(v))
    U32("context_length", 8192);
    U32("embedding_length", g->n_embd);
    U32("block_count", g->n_layer);
    U32("feed_forward_length", g->n_ff);
    U32("attention.head_count", g->n_head);
    U32("attention.head_count_kv", g->n_head_kv);
    U32("attention.key_length", g->head_dim);
    U32("attention.value_length", g->head_dim);
    F32("attention.layer_norm_rms_epsilon", g->eps);
    U32("attention.sliding_window", g->window);
    F32("rope.freq_base", g->theta);
    U32("rope.dimension_count", (int64_t)(g->head_dim * g->rot_factor) & ~(int64_t)1);
    U32("rg_lru_width", g->lru);
    U32("conv_kernel", g->conv);
    F32("final_logit_softcapping", g->softcap);
    /* transformers' rope inv_freq is a buffer in the model's dtype: a bf16
     * checkpoint runs with it bf16-rounded (the embedding normalizer is
     * bf16 whatever the dtype; the runtime knows that) */
    const char *dt = gw_json_str(gw_json_get(gw_hf_text_config(c->hf), "dtype"), NULL);
    if (!dt) dt = gw_json_str(gw_json_get(gw_hf_text_config(c->hf), "torch_dtype"), NULL);
    if (dt && !strcmp(dt, "bfloat16")) gw_gguf_writer_set_bool(w, ARCH ".rope.inv_freq_bf16", 1);
#undef U32
#undef F32
    if (gw_gguf_writer_set_arr_str(w, ARCH ".block_types", types, NULL, (uint64_t)g->n_layer))
        return gw_set_err(c->err, GW_E_NOMEM, "out of memory");
    return GW_OK;
}

/* Reads HF tensor name (shape checked against want, PyTorch order) as f32
 * into a new buffer *out of n floats. */
static int read_f32(gw_convert_ctx *c, const char *name, int ndim, const int64_t *want, float **out) {
    *out = NULL;
    const gw_hf_tensor *t = gw_convert_find(c, name);
    if (!t) return gw_set_err(c->err, GW_E_NOT_FOUND, "%s: missing tensor '%s'", c->hf_dir, name);
    int ok = t->ndim == ndim;
    size_t n = 1;
    for (int d = 0; ok && d < ndim; d++) {
        ok = t->shape[d] == want[d];
        n *= (size_t)want[d];
    }
    if (!ok)
        return gw_set_err(c->err, GW_E_FORMAT, "%s: tensor '%s' does not have the shape config.json implies",
                          gw_hf_file_path(c->hf, t->file), name);
    *out = malloc(n * sizeof **out);
    if (!*out) return gw_set_err(c->err, GW_E_NOMEM, "out of memory reading '%s'", name);
    int rc = gw_hf_read_f32(c->hf, t, *out, c->err);
    if (rc) { free(*out); *out = NULL; }
    return rc;
}

/* conv_1d.weight [lru, 1, K] -> tap-major [K][lru] */
static int add_conv(gw_convert_ctx *c, const char *gname, const char *hname, const rgcfg *g) {
    const int64_t want[3] = {g->lru, 1, g->conv};
    float *src, *dst;
    int rc = read_f32(c, hname, 3, want, &src);
    if (rc) return rc;
    dst = malloc((size_t)g->lru * g->conv * sizeof *dst);
    if (!dst) { free(src); return gw_set_err(c->err, GW_E_NOMEM, "out of memory"); }
    for (int64_t ch = 0; ch < g->lru; ch++)
        for (int64_t k = 0; k < g->conv; k++) dst[k * g->lru + ch] = src[ch * g->conv + k];
    const int64_t ne[2] = {g->lru, g->conv};
    rc = gw_convert_add_f32(c, gname, 2, ne, dst, GW_CONV_F32);
    free(src);
    free(dst);
    return rc;
}

/* gate bias [heads, bw] -> [lru] */
static int add_flat(gw_convert_ctx *c, const char *gname, const char *hname, const rgcfg *g) {
    const int64_t want[2] = {g->n_head, g->lru / g->n_head};
    float *src;
    int rc = read_f32(c, hname, 2, want, &src);
    if (rc) return rc;
    const int64_t ne[1] = {g->lru};
    rc = gw_convert_add_f32(c, gname, 1, ne, src, GW_CONV_F32);
    free(src);
    return rc;
}

int gw_convert_recurrentgemma(gw_convert_ctx *c) {
    rgcfg g;
    memset(&g, 0, sizeof g);
    int rc;
    if ((rc = read_config(c, &g))) return rc;
    const char **types = calloc((size_t)g.n_layer, sizeof *types);
    if (!types) return gw_set_err(c->err, GW_E_NOMEM, "out of memory");
    if ((rc = block_types(c, &g, types)) || (rc = write_metadata(c, &g, types))) goto done;
    const int64_t d = g.n_embd, qd = g.n_head * g.head_dim, kvd = g.n_head_kv * g.head_dim, ff = g.n_ff,
                  lw = g.lru, nb = g.n_head, bw = g.lru / g.n_head;
    char gn[128], hn[192];
#define TENSOR(gguf, hf, flags, ...)                                                                   \
    do {                                                                                               \
        const int64_t want_[] = {__VA_ARGS__};                                                         \
        if ((rc = gw_convert_tensor(c, gguf, hf, (int)(sizeof want_ / sizeof *want_), want_, flags))) \
            goto done;                                                                                 \
    } while (0)
#define NAMES(gsuffix, hsuffix)                                              \
    snprintf(gn, sizeof gn, "blk.%lld.%s", (long long)l, gsuffix);           \
    snprintf(hn, sizeof hn, "model.layers.%lld.%s", (long long)l, hsuffix)
#define LAYER(gsuffix, hsuffix, flags, ...) \
    NAMES(gsuffix, hsuffix);                \
    TENSOR(gn, hn, flags, __VA_ARGS__)
    /* The embedding is also the (tied) output head: like llama.cpp, keep it
     * at 8 bits when 4-bit weights are asked for. */
    int saved_type = c->type;
    if (c->type == GW_TYPE_Q4_0) c->type = GW_TYPE_Q8_0;
    rc = gw_convert_tensor(c, "token_embd.weight", "model.embed_tokens.weight", 2,
                           (const int64_t[]){g.n_vocab, d}, 0);
    c->type = saved_type;
    if (rc) goto done;
    for (int64_t l = 0; l < g.n_layer; l++) {
        LAYER("attn_norm.weight", "temporal_pre_norm.weight", GW_CONV_NORM, d);
        LAYER("ffn_norm.weight", "channel_pre_norm.weight", GW_CONV_NORM, d);
        LAYER("ffn_gate.weight", "mlp_block.gate_proj.weight", 0, ff, d);
        LAYER("ffn_gate.bias", "mlp_block.gate_proj.bias", 0, ff);
        LAYER("ffn_up.weight", "mlp_block.up_proj.weight", 0, ff, d);
        LAYER("ffn_up.bias", "mlp_block.up_proj.bias", 0, ff);
        LAYER("ffn_down.weight", "mlp_block.down_proj.weight", 0, d, ff);
        LAYER("ffn_down.bias", "mlp_block.down_proj.bias", 0, d);
        if (!strcmp(types[l], "recurrent")) {
            LAYER("rg_x.weight", "temporal_block.linear_x.weight", 0, lw, d);
            LAYER("rg_x.bias", "temporal_block.linear_x.bias", 0, lw);
            LAYER("rg_y.weight", "temporal_block.linear_y.weight", 0, lw, d);
            LAYER("rg_y.bias", "temporal_block.linear_y.bias", 0, lw);
            LAYER("rg_out.weight", "temporal_block.linear_out.weight", 0, d, lw);
            LAYER("rg_out.bias", "temporal_block.linear_out.bias", 0, d);
            NAMES("rg_conv1d.weight", "temporal_block.conv_1d.weight");
            if ((rc = add_conv(c, gn, hn, &g))) goto done;
            LAYER("rg_conv1d.bias", "temporal_block.conv_1d.bias", 0, lw);
            LAYER("rg_lru.a_param", "temporal_block.rg_lru.recurrent_param", 0, lw);
            LAYER("rg_lru.input_gate.weight", "temporal_block.rg_lru.input_gate_weight", GW_CONV_F32, nb, bw, bw);
            NAMES("rg_lru.input_gate.bias", "temporal_block.rg_lru.input_gate_bias");
            if ((rc = add_flat(c, gn, hn, &g))) goto done;
            LAYER("rg_lru.a_gate.weight", "temporal_block.rg_lru.recurrent_gate_weight", GW_CONV_F32, nb, bw, bw);
            NAMES("rg_lru.a_gate.bias", "temporal_block.rg_lru.recurrent_gate_bias");
            if ((rc = add_flat(c, gn, hn, &g))) goto done;
        } else {
            LAYER("attn_q.weight", "temporal_block.q_proj.weight", 0, qd, d);
            LAYER("attn_k.weight", "temporal_block.k_proj.weight", 0, kvd, d);
            LAYER("attn_v.weight", "temporal_block.v_proj.weight", 0, kvd, d);
            LAYER("attn_output.weight", "temporal_block.o_proj.weight", 0, d, qd);
            LAYER("attn_output.bias", "temporal_block.o_proj.bias", 0, d);
        }
    }
    TENSOR("output_norm.weight", "model.final_norm.weight", GW_CONV_NORM, d);
#undef LAYER
#undef NAMES
#undef TENSOR
done:
    free(types);
    return rc;
}
