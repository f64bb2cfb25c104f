/* generate.c — the generation loop (see generate.h): prefill, sample,
 * stream text through the detokenizer and the stop-string matcher. */
#include <stdlib.h>

#include "generate.h"
#include "model.h"

struct gw_generator {
    gw_session *s;
    const gw_tokenizer *t;
    gw_gen_params p;
    gw_sampler *sampler;
    gw_stop_matcher *stop;
    gw_detok_stream *detok;
    float *logits;
    int n_vocab;
    int has_logits;
    int32_t pending;     /* sampled, not yet in the session (-1: none) */
    int n_gen, done;
    char *out;           /* text returned by the last step */
    size_t n_out, cap_out;
};

int gw_generator_new(gw_session *s, const gw_tokenizer *t, const gw_gen_params *p, gw_generator **out,
                     gw_err *err) {
    *out = NULL;
    if (!s || !t || !p) return gw_set_err(err, GW_E_INVALID, "generate: session, tokenizer and parameters are needed");
    gw_generator *g = calloc(1, sizeof *g);
    if (!g) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    g->s = s;
    g->t = t;
    g->p = *p;
    g->p.stop = NULL;
    g->pending = -1;
    g->n_vocab = gw_model_get_info(s->model)->n_vocab;
    int rc = gw_sampler_new(&p->sampling, g->n_vocab, &g->sampler, err);
    if (!rc) rc = gw_stop_new(p->stop, p->n_stop, &g->stop, err);
    if (!rc) rc = gw_detok_stream_new(t, 1, &g->detok, err);
    if (!rc && !(g->logits = malloc((size_t)g->n_vocab * sizeof *g->logits)))
        rc = gw_set_err(err, GW_E_NOMEM, "out of memory");
    if (rc) { gw_generator_free(g); return rc; }
    *out = g;
    return GW_OK;
}

void gw_generator_free(gw_generator *g) {
    if (!g) return;
    gw_sampler_free(g->sampler);
    gw_stop_free(g->stop);
    gw_detok_stream_free(g->detok);
    free(g->logits);
    free(g->out);
    free(g);
}

int gw_generator_n_generated(const gw_generator *g) { return g->n_gen; }

int gw_generator_prompt(gw_generator *g, const int32_t *ids, size_t n, gw_err *err) {
    size_t total = n + (g->pending >= 0);
    if (!total) return gw_set_err(err, GW_E_INVALID, "generate: empty prompt");
    int32_t *all = malloc(total * sizeof *all);
    if (!all) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    size_t k = 0;
    if (g->pending >= 0) all[k++] = g->pending;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= g->n_vocab) {
            free(all);
            return gw_set_err(err, GW_E_RANGE, "generate: prompt token %d out of range (vocabulary %d)", ids[i], g->n_vocab);
        }
        all[k++] = ids[i];
        gw_sampler_accept(g->sampler, ids[i]);
    }
    if ((size_t)gw_session_pos(g->s) + total > (size_t)g->s->n_ctx) {
        free(all);
        return gw_set_err(err, GW_E_RANGE, "generate: the prompt (%zu tokens) does not fit the context (%d of %d used)",
                          total, gw_session_pos(g->s), g->s->n_ctx);
    }
    int rc = gw_session_eval(g->s, all, (int)total, g->logits, 0, err);
    free(all);
    if (rc) return rc;
    g->pending = -1;
    g->has_logits = 1;
    g->n_gen = 0;
    g->done = GW_GEN_RUNNING;
    gw_stop_reset(g->stop);
    gw_detok_stream_reset(g->detok);
    return GW_OK;
}

int gw_generator_prompt_text(gw_generator *g, const char *text, size_t len, int add_bos, gw_err *err) {
    int32_t *ids;
    size_t n;
    int rc = gw_tokenizer_encode(g->t, text, len, add_bos, &ids, &n, err);
    if (rc) return rc;
    rc = gw_generator_prompt(g, ids, n, err);
    free(ids);
    return rc;
}

static void out_add(gw_generator *g, const char *s, size_t n) {
    if (g->n_out + n + 1 > g->cap_out) {
        size_t nc = g->cap_out ? g->cap_out : 64;
        while (nc < g->n_out + n + 1) nc *= 2;
        char *p = realloc(g->out, nc);
        if (!p) return;
        g->out = p;
        g->cap_out = nc;
    }
    memcpy(g->out + g->n_out, s, n);
    g->n_out += n;
    g->out[g->n_out] = 0;
}

/* End of a reply: release what the decoder and the matcher held back. */
static void finish(gw_generator *g, int why) {
    const char *p;
    size_t n;
    g->done = why;
    if (why == GW_GEN_STOP_STRING) return;
    gw_detok_stream_flush(g->detok, &p, &n);
    if (n && gw_stop_feed(g->stop, p, n, &p, &n)) { out_add(g, p, n); g->done = GW_GEN_STOP_STRING; return; }
    out_add(g, p, n);
    gw_stop_flush(g->stop, &p, &n);
    out_add(g, p, n);
}

int gw_generator_step(gw_generator *g, int32_t *token, const char **text, size_t *len, int *done, gw_err *err) {
    g->n_out = 0;
    out_add(g, "", 0);
    *token = -1;
    *text = g->out ? g->out : "";
    *len = 0;
    *done = g->done;
    if (g->done) return GW_OK;
    if (!g->has_logits) return gw_set_err(err, GW_E_INVALID, "generate: give a prompt first");
    if (g->pending >= 0) {
        if (gw_session_pos(g->s) + 1 > g->s->n_ctx) {
            finish(g, GW_GEN_CTX_FULL);
            *done = g->done; *text = g->out; *len = g->n_out;
            return GW_OK;
        }
        int rc = gw_session_eval(g->s, &g->pending, 1, g->logits, 0, err);
        if (rc) return rc;
        g->pending = -1;
    }
    int32_t tok;
    int rc = gw_sampler_sample(g->sampler, g->logits, &tok, err);
    if (rc) return rc;
    gw_sampler_accept(g->sampler, tok);
    g->n_gen++;
    g->pending = tok;
    *token = tok;
    const gw_tokenizer *t = g->t;
    if (!g->p.ignore_eos && (tok == gw_tokenizer_eos(t) || tok == gw_tokenizer_eot(t))) finish(g, GW_GEN_EOS);
    else {
        const char *p = "";
        size_t n = 0;
        if (tok < gw_tokenizer_n_tokens(t)) {
            rc = gw_detok_stream_push(g->detok, tok, &p, &n, err);
            if (rc) return rc;
        }
        if (n && gw_stop_feed(g->stop, p, n, &p, &n)) { out_add(g, p, n); g->done = GW_GEN_STOP_STRING; }
        else {
            out_add(g, p, n);
            if (g->p.max_tokens > 0 && g->n_gen >= g->p.max_tokens) finish(g, GW_GEN_MAX_TOKENS);
            else if (gw_session_pos(g->s) + 1 > g->s->n_ctx) finish(g, GW_GEN_CTX_FULL);
        }
    }
    *done = g->done;
    *text = g->out;
    *len = g->n_out;
    return GW_OK;
}
