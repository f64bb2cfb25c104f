/* tokenizer_hook.c — special token ids from the GGUF metadata, and the
 * GGUF's tokenizer (tokenizer.ggml.*) attached to the model when the
 * metadata carries one; the model owns it and frees it. */
#include "tokenizer_hook.h"
#include "tokenizer.h"

static int meta_id(const gw_gguf *meta, const char *key, int *out) {
    uint32_t v;
    if (gw_gguf_get_u32(meta, key, &v, NULL) == GW_OK) { *out = (int)v; return 1; }
    return 0;
}

int gw_model_attach_tokenizer(gw_model *m, const gw_gguf *meta, gw_err *err) {
    gw_config *c = &m->cfg;
    int has_bos = meta_id(meta, "tokenizer.ggml.bos_token_id", &c->bos_id);
    int has_eos = meta_id(meta, "tokenizer.ggml.eos_token_id", &c->eos_id);
    int has_eot = meta_id(meta, "tokenizer.ggml.eot_token_id", &c->eot_id);
    m->tokenizer = NULL;
    gw_tokenizer *t = NULL;
    int rc = gw_tokenizer_from_gguf(meta, &t, err);
    if (rc == GW_E_NOT_FOUND) return GW_OK; /* no tokenizer: ids only */
    if (rc == GW_E_UNSUPPORTED) { gw_err_clear(err); return GW_OK; } /* another kind: ids only */
    if (rc) return rc; /* a malformed tokenizer is a malformed file */
    m->tokenizer = t;
    if (!has_bos && gw_tokenizer_bos(t) >= 0) c->bos_id = gw_tokenizer_bos(t);
    if (!has_eos && gw_tokenizer_eos(t) >= 0) c->eos_id = gw_tokenizer_eos(t);
    if (!has_eot && gw_tokenizer_eot(t) >= 0) c->eot_id = gw_tokenizer_eot(t);
    return GW_OK;
}

void gw_model_detach_tokenizer(gw_model *m) {
    gw_tokenizer_free(m->tokenizer);
    m->tokenizer = NULL;
}

const gw_tokenizer *gw_model_tokenizer(const gw_model *m) { return m ? m->tokenizer : NULL; }
