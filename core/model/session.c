/* session.c — one sequence being evaluated: the thread pool, the
 * architecture's decode state (KV cache or recurrent state) and scratch, and
 * gw_session_eval, which feeds tokens in micro-batches of n_batch. */
#include <stdlib.h>

#include "model.h"

int gw_session_new(gw_model *m, const gw_session_opts *opts, gw_session **out, gw_err *err) {
    *out = NULL;
    if (!m) return gw_set_err(err, GW_E_INVALID, "gw_session_new: no model");
    gw_session_opts o = {0};
    if (opts) o = *opts;
    if (o.n_ctx < 0 || o.n_batch < 0 || o.n_threads < 0)
        return gw_set_err(err, GW_E_INVALID, "gw_session_new: negative n_ctx/n_batch/n_threads");
    gw_session *s = calloc(1, sizeof *s);
    if (!s) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    s->model = m;
    int train = m->cfg.n_ctx_train > 0 ? m->cfg.n_ctx_train : 4096;
    s->n_ctx = o.n_ctx ? o.n_ctx : (train < 4096 ? train : 4096);
    s->n_batch = o.n_batch ? o.n_batch : 64;
    if (s->n_batch > s->n_ctx && m->cfg.arch != GW_ARCH_RECURRENTGEMMA) s->n_batch = s->n_ctx;
    int rc = gw_pool_new(o.n_threads, &s->pool, err);
    if (!rc)
        rc = m->cfg.arch == GW_ARCH_RECURRENTGEMMA ? gw_griffin_session_init(s, err)
                                                   : gw_transformer_session_init(s, err);
    if (rc) { gw_session_free(s); return rc; }
    *out = s;
    return GW_OK;
}

void gw_session_free(gw_session *s) {
    if (!s) return;
    if (s->model && s->model->cfg.arch == GW_ARCH_RECURRENTGEMMA) gw_griffin_session_free(s);
    for (int l = 0; l < GW_MAX_LAYERS; l++) {
        free(s->kv[l].k);
        free(s->kv[l].v);
    }
    free(s->scratch);
    gw_pool_free(s->pool);
    free(s);
}

int gw_session_eval(gw_session *s, const int32_t *tokens, int n, float *logits, int all_logits,
                    gw_err *err) {
    if (!s || (n > 0 && !tokens) || n < 0) return gw_set_err(err, GW_E_INVALID, "gw_session_eval: bad arguments");
    const gw_config *c = &s->model->cfg;
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= c->n_vocab)
            return gw_set_err(err, GW_E_RANGE, "token id %d at index %d is outside the vocabulary [0, %d)",
                              (int)tokens[i], i, c->n_vocab);
    int recurrent = c->arch == GW_ARCH_RECURRENTGEMMA;
    if (!recurrent && s->pos + n > s->n_ctx)
        return gw_set_err(err, GW_E_RANGE, "context full: %d tokens held + %d new > n_ctx %d", s->pos, n, s->n_ctx);
    for (int i = 0; i < n;) {
        int nb = n - i < s->n_batch ? n - i : s->n_batch;
        int last = i + nb == n;
        float *out = NULL;
        if (logits && all_logits) out = logits + (size_t)i * c->n_vocab;
        else if (logits && last) out = logits;
        int rc = recurrent ? gw_griffin_forward(s, tokens + i, nb, out, all_logits, err)
                           : gw_transformer_forward(s, tokens + i, nb, out, all_logits, err);
        if (rc) return rc;
        s->pos += nb;
        i += nb;
    }
    return GW_OK;
}

void gw_session_reset(gw_session *s) {
    if (!s) return;
    s->pos = 0;
    if (s->model->cfg.arch == GW_ARCH_RECURRENTGEMMA) gw_griffin_session_reset(s);
}

int gw_session_pos(const gw_session *s) { return s ? s->pos : 0; }
size_t gw_session_state_bytes(const gw_session *s) { return s ? s->state_bytes : 0; }

static uint32_t noise_next(uint32_t *s) {
    *s ^= *s << 13; *s ^= *s >> 17; *s ^= *s << 5;
    return *s;
}

static void noise_fill(float *x, size_t n, uint32_t *s) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(noise_next(s) >> 8) * (1.0f / 16777216.0f) - 0.5f;
}

int gw_session_fake_context(gw_session *s, int pos, gw_err *err) {
    const gw_config *c = &s->model->cfg;
    if (pos < 0 || (c->arch != GW_ARCH_RECURRENTGEMMA && pos >= s->n_ctx))
        return gw_set_err(err, GW_E_RANGE, "fake context %d does not fit n_ctx %d", pos, s->n_ctx);
    uint32_t seed = 12345;
    size_t kvd = (size_t)c->n_head_kv * c->head_dim;
    for (int l = 0; l < c->n_layer; l++) {
        if (s->kv[l].k) noise_fill(s->kv[l].k, (size_t)s->kv[l].n_slots * kvd, &seed);
        if (s->kv[l].v) noise_fill(s->kv[l].v, (size_t)s->kv[l].n_slots * kvd, &seed);
        if (s->rg[l].h) noise_fill(s->rg[l].h, (size_t)c->lru_width, &seed);
        if (s->rg[l].conv) noise_fill(s->rg[l].conv, (size_t)(c->conv_width - 1) * c->lru_width, &seed);
    }
    s->pos = pos;
    return GW_OK;
}
