/* api_text.c — the text side of the wasm API (web/worker.js): tokenize and
 * detokenize with the model's own tokenizer, the chat template, the sampler
 * (core/sampler.h), and a streaming detokenizer followed by the stop-string
 * matcher (core/generate.h), so the worker gets, per token, the text that is
 * safe to show. State lives in a gwapi_text hung off the gwapi handle. */
#include <stdlib.h>
#include <string.h>

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#else
#define EMSCRIPTEN_KEEPALIVE
#endif

#include "api.h"
#include "chat_template.h"
#include "generate.h"
#include "sampler.h"
#include "tokenizer.h"

struct gwapi_text {
    gw_sampler *sampler;
    gw_detok_stream *detok;
    gw_stop_matcher *stop;
    int stopped;
    char *out;      /* last string handed to JS (owned) */
    size_t out_len;
    char *buf;      /* text waiting for the stop matcher */
};

static const gw_tokenizer *tok_of(gwapi *h) { return h && h->model ? gw_model_tokenizer(h->model) : NULL; }

static gwapi_text *text_of(gwapi *h) {
    if (!h->text) h->text = calloc(1, sizeof(gwapi_text));
    return h->text;
}

void gwapi_text_free(gwapi_text *x) {
    if (!x) return;
    gw_sampler_free(x->sampler);
    gw_detok_stream_free(x->detok);
    gw_stop_free(x->stop);
    free(x->out);
    free(x->buf);
    free(x);
}

static const char *keep_out(gwapi *h, const char *s, size_t n) {
    gwapi_text *x = text_of(h);
    if (!x) return NULL;
    char *p = realloc(x->out, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    x->out = p;
    x->out_len = n;
    return p;
}

EMSCRIPTEN_KEEPALIVE int gwapi_has_tokenizer(gwapi *h) { return tok_of(h) != NULL; }

EMSCRIPTEN_KEEPALIVE int gwapi_errcode(gwapi *h) { return h ? h->err.code : GW_E_INVALID; }

/* Encode text[0..len) into gwapi_io; returns the count, or -(error code). */
EMSCRIPTEN_KEEPALIVE int gwapi_tokenize(gwapi *h, const char *text, int len, int add_bos) {
    const gw_tokenizer *t = tok_of(h);
    if (!t) return -gw_set_err(&h->err, GW_E_UNSUPPORTED, "this model has no tokenizer");
    int32_t *ids = NULL;
    size_t n = 0;
    int rc = gw_tokenizer_encode(t, text, (size_t)len, add_bos, &ids, &n, &h->err);
    if (rc) return -rc;
    int32_t *io = gwapi_io(h, n ? (int)n : 1);
    if (!io) { free(ids); return -GW_E_NOMEM; }
    memcpy(io, ids, n * sizeof *ids);
    free(ids);
    return (int)n;
}

/* Decode n ids from gwapi_io (special tokens skipped); NULL on error. */
EMSCRIPTEN_KEEPALIVE const char *gwapi_detokenize(gwapi *h, int n) {
    const gw_tokenizer *t = tok_of(h);
    if (!t) { gw_set_err(&h->err, GW_E_UNSUPPORTED, "this model has no tokenizer"); return NULL; }
    char *s = NULL;
    size_t len = 0;
    if (gw_tokenizer_decode(t, h->io, (size_t)n, 1, &s, &len, &h->err)) return NULL;
    const char *r = keep_out(h, s, len);
    free(s);
    return r;
}

/* Format a chat: msgs is n pairs of NUL-terminated strings role\0content\0.
 * Returns the prompt text (with <bos>), or NULL (error set). */
EMSCRIPTEN_KEEPALIVE const char *gwapi_chat_format(gwapi *h, const char *msgs, int n) {
    const gw_tokenizer *t = tok_of(h);
    if (!t) { gw_set_err(&h->err, GW_E_UNSUPPORTED, "this model has no tokenizer"); return NULL; }
    gw_chat_kind kind = GW_CHAT_GEMMA;
    gw_chat_detect(gw_tokenizer_chat_template(t), &kind, NULL); /* another template: Gemma's anyway */
    gw_chat_msg *m = calloc((size_t)(n > 0 ? n : 1), sizeof *m);
    if (!m) { gw_set_err(&h->err, GW_E_NOMEM, "out of memory"); return NULL; }
    const char *p = msgs;
    for (int i = 0; i < n; i++) {
        m[i].role = p; p += strlen(p) + 1;
        m[i].content = p; p += strlen(p) + 1;
    }
    char *out = NULL;
    int rc = gw_chat_format(kind, m, n, 1, 1, &out, &h->err);
    free(m);
    if (rc) return NULL;
    const char *r = keep_out(h, out, strlen(out));
    free(out);
    return r;
}

/* New sampling options for the next reply (seed split in two halves). The
 * prompt's tokens enter the penalty history through gwapi_sampler_accept. */
EMSCRIPTEN_KEEPALIVE int gwapi_sampler_set(gwapi *h, float temperature, int top_k, float top_p, float min_p,
                                           float repeat_penalty, float freq_penalty, float presence_penalty,
                                           uint32_t seed_lo, uint32_t seed_hi) {
    if (!h || !h->model) return GW_E_INVALID;
    gwapi_text *x = text_of(h);
    if (!x) return gw_set_err(&h->err, GW_E_NOMEM, "out of memory");
    gw_sampler_params p;
    gw_sampler_default_params(&p);
    p.temperature = temperature;
    p.top_k = top_k;
    p.top_p = top_p;
    p.min_p = min_p;
    p.repeat_penalty = repeat_penalty;
    p.freq_penalty = freq_penalty;
    p.presence_penalty = presence_penalty;
    p.seed = ((uint64_t)seed_hi << 32) | seed_lo;
    gw_sampler_free(x->sampler);
    x->sampler = NULL;
    return gw_sampler_new(&p, h->model->info.n_vocab, &x->sampler, &h->err);
}

EMSCRIPTEN_KEEPALIVE void gwapi_sampler_accept(gwapi *h, int n) {
    gwapi_text *x = h ? h->text : NULL;
    if (!x || !x->sampler) return;
    for (int i = 0; i < n; i++) gw_sampler_accept(x->sampler, h->io[i]);
}

/* Sample from the current logits; the token enters the penalty history.
 * Returns the token, or -(error code). */
EMSCRIPTEN_KEEPALIVE int32_t gwapi_sample(gwapi *h) {
    gwapi_text *x = h ? h->text : NULL;
    if (!x || !x->sampler) return -gw_set_err(&h->err, GW_E_INVALID, "no sampler set");
    const float *logits = gwapi_logits(h);
    if (!logits) return -gw_set_err(&h->err, GW_E_INVALID, "no logits: feed a prompt first");
    int32_t tok = -1;
    int rc = gw_sampler_sample(x->sampler, logits, &tok, &h->err);
    if (rc) return -rc;
    gw_sampler_accept(x->sampler, tok);
    return tok;
}

/* Start a reply's text stream: stops are n NUL-terminated stop strings. */
EMSCRIPTEN_KEEPALIVE int gwapi_text_begin(gwapi *h, const char *stops, int n) {
    const gw_tokenizer *t = tok_of(h);
    gwapi_text *x = h ? text_of(h) : NULL;
    if (!x) return GW_E_NOMEM;
    x->stopped = 0;
    gw_stop_free(x->stop);
    x->stop = NULL;
    if (!t) return GW_OK;
    if (!x->detok) {
        int rc = gw_detok_stream_new(t, 1, &x->detok, &h->err);
        if (rc) return rc;
    }
    gw_detok_stream_reset(x->detok);
    const char *list[64];
    int k = 0;
    const char *p = stops;
    for (int i = 0; i < n && k < 64; i++) { list[k++] = p; p += strlen(p) + 1; }
    return gw_stop_new(list, k, &x->stop, &h->err);
}

/* The text token tok adds that is safe to show now (NUL-terminated, maybe
 * ""); gwapi_text_stopped(h) turns 1 when a stop string was completed. */
EMSCRIPTEN_KEEPALIVE const char *gwapi_text_push(gwapi *h, int32_t tok) {
    gwapi_text *x = h ? h->text : NULL;
    if (!x || !x->detok || x->stopped) return "";
    const char *s = NULL, *e = NULL;
    size_t n = 0, en = 0;
    if (gw_detok_stream_push(x->detok, tok, &s, &n, &h->err)) return NULL;
    if (!x->stop) return keep_out(h, s, n);
    if (gw_stop_feed(x->stop, s, n, &e, &en)) x->stopped = 1;
    return keep_out(h, e, en);
}

/* End of a reply: held-back text (incomplete characters, possible stop-string prefixes). */
EMSCRIPTEN_KEEPALIVE const char *gwapi_text_end(gwapi *h) {
    gwapi_text *x = h ? h->text : NULL;
    if (!x || !x->detok || x->stopped) return "";
    const char *s = NULL, *e = NULL;
    size_t n = 0, en = 0;
    gw_detok_stream_flush(x->detok, &s, &n);
    if (!x->stop) return keep_out(h, s, n);
    if (n && gw_stop_feed(x->stop, s, n, &e, &en)) { x->stopped = 1; return keep_out(h, e, en); }
    char *acc = NULL;
    size_t alen = 0;
    if (n) { acc = malloc(en + 1); if (acc) { memcpy(acc, e, en); alen = en; } }
    gw_stop_flush(x->stop, &e, &en);
    char *all = malloc(alen + en + 1);
    if (!all) { free(acc); return ""; }
    if (alen) memcpy(all, acc, alen);
    memcpy(all + alen, e, en);
    const char *r = keep_out(h, all, alen + en);
    free(acc);
    free(all);
    return r;
}

EMSCRIPTEN_KEEPALIVE int gwapi_text_stopped(gwapi *h) { return h && h->text ? h->text->stopped : 0; }
