/* tokenizer_hook.c — special token ids from the GGUF metadata, and the
 * GGUF's tokenizer attached to the model when the metadata carries one. */
#include "tokenizer_hook.h"

static int meta_id(const gw_gguf *meta, const char *key, int *out) {
    uint32_t v;
    if (gw_gguf_get_u32(meta, key, &v, NULL) == GW_OK) { *out = (int)v; return 1; }
    return 0;
}

int gw_model_attach_tokenizer(gw_model *m, const gw_gguf *meta, gw_err *err) {
    gw_config *c = &m->cfg;
    meta_id(meta, "tokenizer.ggml.bos_token_id", &c->bos_id);
    meta_id(meta, "tokenizer.ggml.eos_token_id", &c->eos_id);
    meta_id(meta, "tokenizer.ggml.eot_token_id", &c->eot_id);
    m->tokenizer = NULL;
    return GW_OK;
}

void gw_model_detach_tokenizer(gw_model *m) { m->tokenizer = NULL; }
