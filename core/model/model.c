/* model.c — builds a gw_model from a validated GGUF set: reads the
 * architecture, dispatches to the per-architecture config/bind code, and
 * fills the public gw_model_info. The weights stay where the loader put them
 * (no copy). */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"
#include "tokenizer_hook.h"

int gw_model_tensor(gw_model *m, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
                    int required, const gw_tensor **out, gw_err *err) {
    *out = NULL;
    if (m->synthetic) return required ? gw_synthetic_tensor(m, name, ne0, ne1, ne2, out, err) : GW_OK;
    const gw_tensor *t = gw_gguf_set_find_tensor(m->files, name);
    if (!t) {
        if (!required) return GW_OK;
        return gw_set_err(err, GW_E_NOT_FOUND, "%s: missing tensor '%s'",
                          gw_gguf_name(gw_gguf_set_meta(m->files)), name);
    }
    const int64_t want[3] = {ne0, ne1, ne2};
    for (int i = 0; i < 3; i++) {
        if (want[i] && t->ne[i] != want[i])
            return gw_set_err(err, GW_E_FORMAT,
                              "%s: tensor '%s' has shape [%lld, %lld, %lld], expected [%lld, %lld, %lld] from the model's metadata",
                              gw_gguf_name(gw_gguf_set_meta(m->files)), name, (long long)t->ne[0],
                              (long long)t->ne[1], (long long)t->ne[2], (long long)ne0, (long long)ne1,
                              (long long)ne2);
    }
    if (t->ne[3] != 1)
        return gw_set_err(err, GW_E_FORMAT, "%s: tensor '%s' has too many dimensions",
                          gw_gguf_name(gw_gguf_set_meta(m->files)), name);
    int is_vec = t->ne[1] == 1 && t->ne[2] == 1;
    if (is_vec && t->type != GW_TYPE_F32)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: 1-D tensor '%s' has type %s; only f32 is supported for norms and biases",
                          gw_gguf_name(gw_gguf_set_meta(m->files)), name,
                          gw_type_name(t->type) ? gw_type_name(t->type) : "?");
    if (!is_vec && !gw_type_matmul_supported(t->type))
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: tensor '%s' has type %s, which this build cannot compute with",
                          gw_gguf_name(gw_gguf_set_meta(m->files)), name,
                          gw_type_name(t->type) ? gw_type_name(t->type) : "?");
    *out = t;
    return GW_OK;
}

const char *gw_arch_name(gw_arch a) {
    switch (a) {
    case GW_ARCH_GEMMA: return "gemma";
    case GW_ARCH_GEMMA2: return "gemma2";
    case GW_ARCH_GEMMA3: return "gemma3";
    case GW_ARCH_RECURRENTGEMMA: return "recurrentgemma";
    }
    return "?";
}

int gw_model_from_gguf_set(gw_gguf_set *set, gw_model **out, gw_err *err) {
    *out = NULL;
    int rc = gw_gguf_set_validate(set, err);
    if (rc) { gw_gguf_set_free(set); return rc; }
    gw_model *m = calloc(1, sizeof *m);
    if (!m) { gw_gguf_set_free(set); return gw_set_err(err, GW_E_NOMEM, "out of memory"); }
    m->files = set;
    const gw_gguf *meta = gw_gguf_set_meta(set);
    gw_gguf_str arch;
    rc = gw_gguf_get_str(meta, "general.architecture", &arch, err);
    if (rc == GW_E_NOT_FOUND)
        rc = gw_set_err(err, GW_E_FORMAT, "%s: no general.architecture key: not a model GGUF", gw_gguf_name(meta));
    if (rc) goto fail;
    if (!strcmp(arch.s, "gemma")) m->cfg.arch = GW_ARCH_GEMMA;
    else if (!strcmp(arch.s, "gemma2")) m->cfg.arch = GW_ARCH_GEMMA2;
    else if (!strcmp(arch.s, "gemma3")) m->cfg.arch = GW_ARCH_GEMMA3;
    else if (!strcmp(arch.s, "recurrentgemma")) m->cfg.arch = GW_ARCH_RECURRENTGEMMA;
    else {
        rc = gw_set_err(err, GW_E_UNSUPPORTED,
                        "%s: unsupported architecture '%s' (supported: gemma, gemma2, gemma3, recurrentgemma)",
                        gw_gguf_name(meta), arch.s);
        goto fail;
    }
    if (m->cfg.arch == GW_ARCH_RECURRENTGEMMA) {
        rc = gw_griffin_config(meta, &m->cfg, err);
        if (!rc) rc = gw_griffin_bind(m, err);
    } else {
        rc = gw_transformer_config(meta, &m->cfg, err);
        if (!rc) rc = gw_transformer_bind(m, err);
    }
    if (rc) goto fail;
    rc = gw_model_attach_tokenizer(m, meta, err);
    if (rc) goto fail;
    gw_model_prepare_weights(m);
    gw_model_fill_info(m);
    *out = m;
    return GW_OK;
fail:
    gw_model_free(m);
    return rc;
}

/* Every matrix that only gw_matmul (and gw_tensor_row for the embedding)
 * reads goes into the SIMD kernels' layout (repack.c). The model owns its
 * weights (the GGUF set's data, or the synthetic tensors), so the in-place
 * rearrangement is safe; the tensor views are const only to the forward
 * passes. */
void gw_model_prepare_weights(gw_model *m) {
    gw_matmul_prepare((gw_tensor *)m->output);
    if (m->tok_embd != m->output) gw_matmul_prepare((gw_tensor *)m->tok_embd);
    for (int i = 0; i < m->cfg.n_layer && i < GW_MAX_LAYERS; i++) {
        const gw_layer *L = &m->layers[i];
        const gw_tensor *mats[] = {L->attn_q, L->attn_k, L->attn_v, L->attn_o, L->ffn_gate, L->ffn_up,
                                   L->ffn_down, L->rg_x, L->rg_y, L->rg_out};
        for (size_t k = 0; k < sizeof mats / sizeof mats[0]; k++)
            if (mats[k]) gw_matmul_prepare((gw_tensor *)mats[k]);
    }
}

void gw_model_fill_info(gw_model *m) {
    gw_model_info *in = &m->info;
    const gw_config *c = &m->cfg;
    in->arch = c->arch;
    in->arch_name = gw_arch_name(c->arch);
    in->n_vocab = c->n_vocab;
    in->n_embd = c->n_embd;
    in->n_layer = c->n_layer;
    in->n_head = c->n_head;
    in->n_head_kv = c->n_head_kv;
    in->head_dim = c->head_dim;
    in->n_ff = c->n_ff;
    in->n_ctx_train = c->n_ctx_train;
    in->sliding_window = c->sliding_window;
    in->weight_bytes = m->files ? gw_gguf_set_data_bytes(m->files) : m->info.weight_bytes;
    in->bos_id = c->bos_id;
    in->eos_id = c->eos_id;
    in->eot_id = c->eot_id;
}

void gw_model_free(gw_model *m) {
    if (!m) return;
    gw_model_detach_tokenizer(m);
    gw_gguf_set_free(m->files);
    gw_synthetic_free(m->synthetic);
    free(m);
}

const gw_model_info *gw_model_get_info(const gw_model *m) { return m ? &m->info : NULL; }
