/* test_griffin.c — RecurrentGemma sessions on a synthetic tiny model (the
 * shape of hf-tiny/recurrentgemma-tiny, random weights): the decode state
 * has a fixed size (the engine reports it; it is the same at token 100 and
 * token 5,000, and equals the size the config implies), prefill in one
 * batch, in odd micro-batches and one token at a time give the same logits,
 * and a reset session repeats a fresh one. Numerical agreement with
 * transformers is checked by tests/node/griffin.test.mjs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemwasm.h"
#include "model.h"
#include "testutil.h"

static float max_abs_diff(const float *a, const float *b, size_t n) {
    float m = 0;
    for (size_t i = 0; i < n; i++) m = fmaxf(m, fabsf(a[i] - b[i]));
    return m;
}

static int all_finite(const float *a, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i])) return 0;
    return 1;
}

/* The state griffin keeps: per recurrent layer (K-1) conv rows + h, per
 * attention layer a K and a V ring of window + n_batch - 1 positions. */
static size_t expected_state_bytes(const gw_config *c, int n_batch) {
    size_t b = 0;
    for (int l = 0; l < c->n_layer; l++) {
        if (c->layer_kind[l] == GW_LAYER_ATTENTION)
            b += 2 * (size_t)(c->sliding_window + n_batch - 1) * c->n_head_kv * c->head_dim * sizeof(float);
        else
            b += (size_t)c->conv_width * c->lru_width * sizeof(float);
    }
    return b;
}

static void test_constant_state(gw_model *m) {
    gw_err err = {0};
    gw_session *s = NULL;
    gw_session_opts o = {0};
    o.n_batch = 32;
    int rc = gw_session_new(m, &o, &s, &err);
    CHECKF(rc == GW_OK, "%s", err.msg);
    if (rc) return;
    const gw_config *c = &m->cfg;
    unsigned rng = 42;
    int32_t toks[100];
    for (int i = 0; i < 100; i++) toks[i] = (int32_t)(test_rand(&rng) % (unsigned)c->n_vocab);
    float *logits = malloc((size_t)c->n_vocab * sizeof(float));
    rc = gw_session_eval(s, toks, 100, logits, 0, &err);
    CHECKF(rc == GW_OK, "%s", err.msg);
    size_t at100 = gw_session_state_bytes(s);
    /* the buffers themselves stay put: nothing is reallocated while decoding */
    void *bufs[GW_MAX_LAYERS][2];
    for (int l = 0; l < c->n_layer; l++) {
        bufs[l][0] = s->kv[l].k ? (void *)s->kv[l].k : (void *)s->rg[l].conv;
        bufs[l][1] = s->kv[l].v ? (void *)s->kv[l].v : (void *)s->rg[l].h;
    }
    CHECK(gw_session_pos(s) == 100);
    CHECKF(at100 == expected_state_bytes(c, 32), "state %zu bytes, expected %zu", at100, expected_state_bytes(c, 32));
    /* decode one token at a time, greedy, up to position 5,000 */
    for (int p = 100; p < 5000 && !rc; p++) {
        int32_t next = 0;
        for (int v = 1; v < c->n_vocab; v++)
            if (logits[v] > logits[next]) next = v;
        if (p % 7 == 0) next = (int32_t)(test_rand(&rng) % (unsigned)c->n_vocab); /* keep it varied */
        rc = gw_session_eval(s, &next, 1, logits, 0, &err);
    }
    CHECKF(rc == GW_OK, "%s", err.msg);
    CHECK(gw_session_pos(s) == 5000);
    size_t at5000 = gw_session_state_bytes(s);
    CHECKF(at5000 == at100, "state grew from %zu to %zu bytes", at100, at5000);
    int same = 1;
    for (int l = 0; l < c->n_layer; l++) {
        same &= bufs[l][0] == (s->kv[l].k ? (void *)s->kv[l].k : (void *)s->rg[l].conv);
        same &= bufs[l][1] == (s->kv[l].v ? (void *)s->kv[l].v : (void *)s->rg[l].h);
    }
    CHECK(same);
    CHECK(all_finite(logits, (size_t)c->n_vocab));
    printf("recurrentgemma-tiny decode state: %zu bytes at token 100, %zu bytes at token 5000\n", at100, at5000);
    free(logits);
    gw_session_free(s);
}

/* all logits of toks evaluated with micro-batch nb (0: one token per call) */
static float *run(gw_model *m, const int32_t *toks, int n, int nb, gw_session **keep) {
    gw_err err = {0};
    gw_session *s = NULL;
    gw_session_opts o = {0};
    o.n_batch = nb ? nb : 1;
    if (gw_session_new(m, &o, &s, &err)) { fprintf(stderr, "%s\n", err.msg); return NULL; }
    size_t V = (size_t)m->cfg.n_vocab;
    float *out = malloc((size_t)n * V * sizeof(float));
    int rc = 0;
    if (nb) rc = gw_session_eval(s, toks, n, out, 1, &err);
    else
        for (int i = 0; i < n && !rc; i++) rc = gw_session_eval(s, toks + i, 1, out + (size_t)i * V, 0, &err);
    if (rc) { fprintf(stderr, "%s\n", err.msg); free(out); out = NULL; }
    if (keep) *keep = s;
    else gw_session_free(s);
    return out;
}

static void test_batching_and_reset(gw_model *m) {
    enum { N = 70 }; /* > 4 windows of 16 */
    int32_t toks[N];
    unsigned rng = 7;
    for (int i = 0; i < N; i++) toks[i] = (int32_t)(test_rand(&rng) % (unsigned)m->cfg.n_vocab);
    toks[0] = 2;
    size_t V = (size_t)m->cfg.n_vocab;
    gw_session *s = NULL;
    float *full = run(m, toks, N, 64 + 16, &s), *dec = run(m, toks, N, 0, NULL), *odd = run(m, toks, N, 5, NULL);
    CHECK(full && dec && odd);
    if (full && dec && odd) {
        CHECK(all_finite(full, N * V));
        float d1 = max_abs_diff(full, dec, N * V), d2 = max_abs_diff(full, odd, N * V);
        CHECKF(d1 < 1e-4f, "prefill vs decode differ by %g", d1);
        CHECKF(d2 < 1e-4f, "prefill vs micro-batches of 5 differ by %g", d2);
    }
    if (s && full) { /* reset, then the same sequence again */
        gw_err err = {0};
        gw_session_reset(s);
        CHECK(gw_session_pos(s) == 0);
        float *again = malloc(N * V * sizeof(float));
        CHECKF(gw_session_eval(s, toks, N, again, 1, &err) == GW_OK, "%s", err.msg);
        CHECKF(max_abs_diff(full, again, N * V) == 0.0f, "reset session differs from a fresh one");
        free(again);
    }
    gw_session_free(s);
    free(full);
    free(dec);
    free(odd);
}

static void test_bad_tokens(gw_model *m) {
    gw_err err = {0};
    gw_session *s = NULL;
    CHECK(gw_session_new(m, NULL, &s, &err) == GW_OK);
    int32_t bad = m->cfg.n_vocab;
    CHECK(gw_session_eval(s, &bad, 1, NULL, 0, &err) == GW_E_RANGE);
    CHECK(strstr(err.msg, "vocabulary") != NULL);
    gw_session_free(s);
}

int main(void) {
    gw_err err = {0};
    gw_model *m = NULL;
    int rc = gw_model_synthetic("recurrentgemma-tiny", GW_TYPE_F32, 1, &m, &err);
    CHECKF(rc == GW_OK, "%s", err.msg);
    if (!rc) {
        test_constant_state(m);
        test_batching_and_reset(m);
        test_bad_tokens(m);
        gw_model_free(m);
    }
    gw_model *q = NULL; /* a quantized synthetic model binds (conv taps stay f32) */
    rc = gw_model_synthetic("recurrentgemma-tiny", GW_TYPE_Q8_0, 1, &q, &err);
    CHECKF(rc == GW_OK, "%s", err.msg);
    gw_model_free(q);
    return test_summary("test_griffin");
}
