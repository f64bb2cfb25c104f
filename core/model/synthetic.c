/* synthetic.c — models of real Gemma shapes with random weights, made
 * directly in the requested tensor type, so `gemwasm bench` can measure
 * speed on gemma-2b-sized work without a checkpoint. The architecture's own
 * binder (gw_transformer_bind / gw_griffin_bind) asks for every tensor with
 * its shape; gw_synthetic_tensor creates it on the spot. */
#include <math.h>
#include <stdlib.h>

#include "model.h"

typedef struct gw_synthetic {
    gw_tensor **items; /* each tensor, its name and data are owned here */
    int n, cap, type;
    uint64_t rng, bytes;
} gw_synthetic;

const char *const gw_synthetic_shapes[] = {"gemma-2b", "gemma-2-2b", "gemma-3-1b", "gemma-3-270m",
                                           "recurrentgemma-2b", "recurrentgemma-tiny", NULL};

static uint64_t next(uint64_t *s) {
    *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17;
    return *s;
}

static int shape_config(const char *shape, gw_config *c) {
    memset(c, 0, sizeof *c);
    c->rms_eps = 1e-6f;
    c->rope_theta = c->rope_theta_local = 10000.0f;
    c->bos_id = 2; c->eos_id = 1; c->eot_id = 107;
    if (!strcmp(shape, "gemma-2b")) {
        c->arch = GW_ARCH_GEMMA; c->n_embd = 2048; c->n_layer = 18; c->n_head = 8; c->n_head_kv = 1;
        c->head_dim = 256; c->n_ff = 16384; c->n_vocab = 256000; c->n_ctx_train = 8192;
    } else if (!strcmp(shape, "gemma-2-2b")) {
        c->arch = GW_ARCH_GEMMA2; c->n_embd = 2304; c->n_layer = 26; c->n_head = 8; c->n_head_kv = 4;
        c->head_dim = 256; c->n_ff = 9216; c->n_vocab = 256000; c->n_ctx_train = 8192;
        c->sliding_window = 4096; c->attn_softcap = 50; c->final_softcap = 30;
        for (int i = 0; i < c->n_layer; i++) c->layer_kind[i] = i % 2 == 0 ? GW_LAYER_SLIDING : GW_LAYER_GLOBAL;
    } else if (!strcmp(shape, "gemma-3-1b") || !strcmp(shape, "gemma-3-270m")) {
        int big = !strcmp(shape, "gemma-3-1b");
        c->arch = GW_ARCH_GEMMA3; c->n_embd = big ? 1152 : 640; c->n_layer = big ? 26 : 18;
        c->n_head = 4; c->n_head_kv = 1; c->head_dim = 256; c->n_ff = big ? 6912 : 2048;
        c->n_vocab = 262144; c->n_ctx_train = 32768; c->sliding_window = 512;
        c->rope_theta = 1e6f; c->eot_id = 106;
        for (int i = 0; i < c->n_layer; i++) c->layer_kind[i] = (i + 1) % 6 ? GW_LAYER_SLIDING : GW_LAYER_GLOBAL;
    } else if (!strcmp(shape, "recurrentgemma-2b")) {
        c->arch = GW_ARCH_RECURRENTGEMMA; c->n_embd = 2560; c->n_layer = 26; c->n_head = 10;
        c->n_head_kv = 1; c->head_dim = 256; c->n_ff = 7680; c->n_vocab = 256000;
        c->n_ctx_train = 8192; c->sliding_window = 2048; c->final_softcap = 30;
        c->lru_width = 2560; c->conv_width = 4; c->n_lru_blocks = 10;
        for (int i = 0; i < c->n_layer; i++) c->layer_kind[i] = i % 3 == 2 ? GW_LAYER_ATTENTION : GW_LAYER_RECURRENT;
    } else if (!strcmp(shape, "recurrentgemma-tiny")) { /* tests: hf-tiny/recurrentgemma-tiny's shape */
        c->arch = GW_ARCH_RECURRENTGEMMA; c->n_embd = 64; c->n_layer = 6; c->n_head = 4;
        c->n_head_kv = 1; c->head_dim = 16; c->n_ff = 96; c->n_vocab = 1024;
        c->n_ctx_train = 8192; c->sliding_window = 16; c->final_softcap = 30;
        c->lru_width = 64; c->conv_width = 4; c->n_lru_blocks = 4;
        for (int i = 0; i < c->n_layer; i++) c->layer_kind[i] = i % 3 == 2 ? GW_LAYER_ATTENTION : GW_LAYER_RECURRENT;
    } else {
        return 0;
    }
    c->rope_dim = c->arch == GW_ARCH_RECURRENTGEMMA ? c->head_dim / 2 : c->head_dim;
    gw_rope_inv_freq(c->rope_freq, c->rope_dim, c->rope_theta, 0);
    gw_rope_inv_freq(c->rope_freq_local, c->rope_dim, c->rope_theta_local, 0);
    c->attn_scale = 1.0f / sqrtf((float)c->head_dim);
    c->embd_scale = sqrtf((float)c->n_embd);
    if (c->arch == GW_ARCH_RECURRENTGEMMA) c->embd_scale = gw_bf16_to_f32(gw_f32_to_bf16(c->embd_scale));
    c->has_qk_norm = c->arch == GW_ARCH_GEMMA3;
    c->has_post_norms = c->arch == GW_ARCH_GEMMA2 || c->arch == GW_ARCH_GEMMA3;
    return 1;
}

/* Fill n elements of type with small random values, fast (memory speed). */
static void fill(void *data, int type, int64_t n, uint64_t *rng, int is_norm) {
    if (type == GW_TYPE_F32) {
        float *f = data;
        for (int64_t i = 0; i < n; i++) {
            float r = (float)((next(rng) >> 40) * (1.0 / 16777216.0)) - 0.5f;
            f[i] = is_norm ? 1.0f + 0.2f * r : 0.1f * r;
        }
        return;
    }
    /* Random bytes first, then make every scale / half a sane value. */
    uint64_t *q = data;
    size_t bytes = gw_type_row_bytes(type, n), words = bytes / 8;
    for (size_t i = 0; i < words; i++) q[i] = next(rng);
    uint8_t *b = data;
    for (size_t i = words * 8; i < bytes; i++) b[i] = (uint8_t)next(rng);
    if (type == GW_TYPE_F16 || type == GW_TYPE_BF16) {
        uint16_t *h = data;
        for (int64_t i = 0; i < n; i++) {
            float r = ((float)(h[i] & 0x3ff) / 1024.0f - 0.5f) * 0.1f;
            h[i] = type == GW_TYPE_F16 ? gw_f32_to_f16(r) : gw_f32_to_bf16(r);
        }
    } else if (type == GW_TYPE_Q8_0 || type == GW_TYPE_Q4_0) {
        int bb = gw_type_block_bytes(type);
        uint16_t d = gw_f32_to_f16(type == GW_TYPE_Q8_0 ? 0.05f / 127 : 0.05f / 8);
        for (size_t off = 0; off < bytes; off += (size_t)bb) memcpy(b + off, &d, 2);
    }
}

int gw_synthetic_tensor(gw_model *m, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
                        const gw_tensor **out, gw_err *err) {
    gw_synthetic *s = m->synthetic;
    if (!ne0 || !ne1 || !ne2) return gw_set_err(err, GW_E_INVALID, "synthetic: tensor '%s' has no fixed shape", name);
    int type = s->type;
    int is_vec = ne1 == 1 && ne2 == 1;
    if (is_vec || ne2 > 1 || ne0 % gw_type_block_size(type)) type = GW_TYPE_F32;
    if (strstr(name, "rg_conv1d")) type = GW_TYPE_F32; /* griffin reads the conv taps as f32 */
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        gw_tensor **items = realloc(s->items, (size_t)cap * sizeof *items);
        if (!items) return gw_set_err(err, GW_E_NOMEM, "out of memory");
        s->items = items;
        s->cap = cap;
    }
    gw_tensor *t = calloc(1, sizeof *t);
    char *nm = malloc(strlen(name) + 1);
    size_t nbytes = gw_type_row_bytes(type, ne0) * (size_t)(ne1 * ne2);
    void *data = malloc(nbytes ? nbytes : 1);
    if (!t || !nm || !data) {
        free(t); free(nm); free(data);
        return gw_set_err(err, GW_E_NOMEM, "synthetic: out of memory for '%s' (%zu bytes)", name, nbytes);
    }
    strcpy(nm, name);
    t->name = nm;
    t->type = type;
    t->ndim = ne2 > 1 ? 3 : ne1 > 1 ? 2 : 1;
    t->ne[0] = ne0; t->ne[1] = ne1; t->ne[2] = ne2; t->ne[3] = 1;
    t->data = data;
    t->nbytes = nbytes;
    fill(data, type, ne0 * ne1 * ne2, &s->rng, is_vec && strstr(name, "norm") != NULL);
    s->items[s->n++] = t;
    s->bytes += nbytes;
    *out = t;
    return GW_OK;
}

void gw_synthetic_free(gw_synthetic *s) {
    if (!s) return;
    for (int i = 0; i < s->n; i++) {
        free((void *)s->items[i]->name);
        free(s->items[i]->data);
        free(s->items[i]);
    }
    free(s->items);
    free(s);
}

int gw_model_synthetic(const char *shape, int type, uint32_t seed, gw_model **out, gw_err *err) {
    *out = NULL;
    gw_model *m = calloc(1, sizeof *m);
    if (!m) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    if (!shape_config(shape, &m->cfg)) {
        free(m);
        return gw_set_err(err, GW_E_INVALID, "unknown synthetic shape '%s' (known: gemma-2b, gemma-2-2b, gemma-3-1b, gemma-3-270m, recurrentgemma-2b, recurrentgemma-tiny)", shape);
    }
    if (!gw_type_matmul_supported(type)) {
        free(m);
        return gw_set_err(err, GW_E_UNSUPPORTED, "synthetic: type %s cannot be computed with", gw_type_name(type) ? gw_type_name(type) : "?");
    }
    m->synthetic = calloc(1, sizeof *m->synthetic);
    if (!m->synthetic) { free(m); return gw_set_err(err, GW_E_NOMEM, "out of memory"); }
    m->synthetic->type = type;
    m->synthetic->rng = 0x9E3779B97F4A7C15ull ^ seed;
    int rc = m->cfg.arch == GW_ARCH_RECURRENTGEMMA ? gw_griffin_bind(m, err) : gw_transformer_bind(m, err);
    if (rc) { gw_model_free(m); return rc; }
    m->info.weight_bytes = m->synthetic->bytes;
    gw_model_prepare_weights(m);
    gw_model_fill_info(m);
    *out = m;
    return GW_OK;
}
