/* test_sampler.c — each sampling option's effect on a known distribution,
 * seeds reproduce, stop strings found across token boundaries and held
 * back, and the Gemma chat template's exact text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chat_template.h"
#include "generate.h"
#include "sampler.h"
#include "testutil.h"

#define NV 5
static const double P0[NV] = {0.5, 0.25, 0.125, 0.0625, 0.0625};

static void base(gw_sampler_params *p) {
    gw_sampler_default_params(p);
    p->temperature = 1.0f; p->top_k = 0; p->top_p = 1.0f; p->min_p = 0.0f;
}

/* probs after the options, compared with want[] (normalized here) */
static int probs_are(const gw_sampler_params *p, const int32_t *hist, int nh, const double *want_raw) {
    float logits[NV], probs[NV];
    for (int i = 0; i < NV; i++) logits[i] = (float)log(P0[i]) + 3.0f; /* shift: softmax-invariant */
    gw_sampler *s = NULL;
    gw_err err = {0};
    if (gw_sampler_new(p, NV, &s, &err)) { fprintf(stderr, "%s\n", err.msg); return 0; }
    for (int i = 0; i < nh; i++) gw_sampler_accept(s, hist[i]);
    gw_sampler_probs(s, logits, probs, &err);
    gw_sampler_free(s);
    double sum = 0;
    for (int i = 0; i < NV; i++) sum += want_raw[i];
    int ok = 1;
    for (int i = 0; i < NV; i++) if (fabs(probs[i] - want_raw[i] / sum) > 1e-5) ok = 0;
    if (!ok) {
        fprintf(stderr, "  got:");
        for (int i = 0; i < NV; i++) fprintf(stderr, " %.5f", probs[i]);
        fprintf(stderr, "\n  want:");
        for (int i = 0; i < NV; i++) fprintf(stderr, " %.5f", want_raw[i] / sum);
        fprintf(stderr, "\n");
    }
    return ok;
}

static void test_options(void) {
    gw_sampler_params p;
    base(&p);
    CHECK(probs_are(&p, NULL, 0, P0));
    { double w[NV]; for (int i = 0; i < NV; i++) w[i] = sqrt(P0[i]);
      p.temperature = 2.0f; CHECKF(probs_are(&p, NULL, 0, w), "temperature 2"); }
    { double w[NV]; for (int i = 0; i < NV; i++) w[i] = P0[i] * P0[i];
      p.temperature = 0.5f; CHECKF(probs_are(&p, NULL, 0, w), "temperature 0.5"); }
    base(&p); p.temperature = 0;
    { double w[NV] = {1, 0, 0, 0, 0}; CHECKF(probs_are(&p, NULL, 0, w), "greedy"); }
    base(&p); p.top_k = 2;
    { double w[NV] = {0.5, 0.25, 0, 0, 0}; CHECKF(probs_are(&p, NULL, 0, w), "top_k 2"); }
    base(&p); p.top_k = 1;
    { double w[NV] = {1, 0, 0, 0, 0}; CHECKF(probs_are(&p, NULL, 0, w), "top_k 1"); }
    base(&p); p.top_p = 0.7f;
    { double w[NV] = {0.5, 0.25, 0, 0, 0}; CHECKF(probs_are(&p, NULL, 0, w), "top_p 0.7"); }
    base(&p); p.top_p = 0.8f;
    { double w[NV] = {0.5, 0.25, 0.125, 0, 0}; CHECKF(probs_are(&p, NULL, 0, w), "top_p 0.8"); }
    base(&p); p.top_p = 0.4f;
    { double w[NV] = {1, 0, 0, 0, 0}; CHECKF(probs_are(&p, NULL, 0, w), "top_p 0.4"); }
    base(&p); p.min_p = 0.3f;
    { double w[NV] = {0.5, 0.25, 0, 0, 0}; CHECKF(probs_are(&p, NULL, 0, w), "min_p 0.3"); }
    base(&p); p.min_p = 0.2f;
    { double w[NV] = {0.5, 0.25, 0.125, 0, 0}; CHECKF(probs_are(&p, NULL, 0, w), "min_p 0.2"); }
    base(&p); p.top_k = 3; p.top_p = 0.6f; /* top-p over the renormalized top-3: 4/7 < 0.6 -> 2 kept */
    { double w[NV] = {0.5, 0.25, 0, 0, 0}; CHECKF(probs_are(&p, NULL, 0, w), "top_k 3 + top_p 0.6"); }
    /* repetition penalty (HF): negative logits multiply. Logits here are
     * log(p)+3: token 0's is 2.307 > 0 -> divided by 2. */
    base(&p); p.repeat_penalty = 2.0f;
    {
        int32_t h[] = {0, 0};
        double w[NV];
        for (int i = 0; i < NV; i++) w[i] = P0[i];
        w[0] = exp((log(P0[0]) + 3) / 2 - 3);
        CHECKF(probs_are(&p, h, 2, w), "repeat penalty, positive logit");
        int32_t h4[] = {4}; /* log(0.0625)+3 = 0.227 > 0 too: use a bigger penalty on a shifted... */
        for (int i = 0; i < NV; i++) w[i] = P0[i];
        w[4] = exp((log(P0[4]) + 3) / 2 - 3);
        CHECKF(probs_are(&p, h4, 1, w), "repeat penalty on token 4");
    }
    /* frequency and presence penalties (OpenAI): subtract count*f + p */
    base(&p); p.freq_penalty = 0.5f;
    {
        int32_t h[] = {1, 1, 2};
        double w[NV] = {P0[0], P0[1] * exp(-1.0), P0[2] * exp(-0.5), P0[3], P0[4]};
        CHECKF(probs_are(&p, h, 3, w), "frequency penalty");
    }
    base(&p); p.presence_penalty = 1.0f;
    {
        int32_t h[] = {1, 1, 2};
        double w[NV] = {P0[0], P0[1] * exp(-1.0), P0[2] * exp(-1.0), P0[3], P0[4]};
        CHECKF(probs_are(&p, h, 3, w), "presence penalty");
    }
    base(&p); p.presence_penalty = 1.0f; p.penalty_last_n = 1; /* only the last token counts */
    {
        int32_t h[] = {1, 1, 2};
        double w[NV] = {P0[0], P0[1], P0[2] * exp(-1.0), P0[3], P0[4]};
        CHECKF(probs_are(&p, h, 3, w), "penalty window");
    }
    base(&p); p.presence_penalty = 1.0f; p.penalty_last_n = 0;
    { int32_t h[] = {1}; CHECKF(probs_are(&p, h, 1, P0), "penalties off with last_n 0"); }
    /* bad parameters are refused */
    gw_sampler *s = NULL;
    gw_err err = {0};
    base(&p); p.top_p = 0;
    CHECK(gw_sampler_new(&p, NV, &s, &err) == GW_E_INVALID && s == NULL);
    base(&p); p.temperature = -1;
    CHECK(gw_sampler_new(&p, NV, &s, &err) == GW_E_INVALID);
}

/* top-p on a big vocabulary (the sampler sorts only a growing prefix):
 * against a full sort done here, for a peaked and a flat distribution. */
static int cmp_desc(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}
static void test_top_p_big(void) {
    enum { N = 5000 };
    static float logits[N], probs[N];
    static double ref[N], sorted[N];
    unsigned st = 99;
    for (int flat = 0; flat < 2; flat++) {
        for (int i = 0; i < N; i++) logits[i] = flat ? 0.01f * test_randf(&st) : 8.0f * test_randf(&st);
        gw_sampler_params p;
        base(&p);
        p.temperature = 1.3f;
        p.top_p = 0.9f;
        double mx = -1e30, sum = 0;
        for (int i = 0; i < N; i++) if (logits[i] > mx) mx = logits[i];
        for (int i = 0; i < N; i++) { ref[i] = exp((logits[i] - mx) / 1.3); sum += ref[i]; }
        for (int i = 0; i < N; i++) { ref[i] /= sum; sorted[i] = ref[i]; }
        qsort(sorted, N, sizeof *sorted, cmp_desc);
        double cum = 0, cut = 0;
        for (int i = 0; i < N; i++) { cum += sorted[i]; if (cum >= 0.9) { cut = sorted[i]; break; } }
        double kept = 0;
        for (int i = 0; i < N; i++) if (ref[i] >= cut) kept += ref[i];
        gw_sampler *s = NULL;
        gw_err err = {0};
        gw_sampler_new(&p, N, &s, &err);
        gw_sampler_probs(s, logits, probs, &err);
        gw_sampler_free(s);
        int ok = 1, n_kept = 0;
        for (int i = 0; i < N; i++) {
            double want = ref[i] >= cut ? ref[i] / kept : 0;
            if (fabs(probs[i] - want) > 1e-4 * (want + 1e-3)) ok = 0;
            n_kept += probs[i] > 0;
        }
        CHECKF(ok, "top-p over %d tokens (%s): %d kept", N, flat ? "flat" : "peaked", n_kept);
    }
}

static void draw(uint64_t seed, const gw_sampler_params *base_p, int n, int32_t *out) {
    gw_sampler_params p = *base_p;
    p.seed = seed;
    float logits[NV];
    for (int i = 0; i < NV; i++) logits[i] = (float)log(P0[i]);
    gw_sampler *s = NULL;
    gw_err err = {0};
    gw_sampler_new(&p, NV, &s, &err);
    for (int i = 0; i < n; i++) gw_sampler_sample(s, logits, &out[i], &err);
    gw_sampler_free(s);
}

static void test_seeds(void) {
    gw_sampler_params p;
    base(&p);
    enum { N = 20000 };
    static int32_t a[N], b[N], c[N];
    draw(42, &p, N, a);
    draw(42, &p, N, b);
    draw(43, &p, N, c);
    CHECK(!memcmp(a, b, sizeof a));
    CHECK(memcmp(a, c, sizeof a) != 0);
    int cnt[NV] = {0};
    for (int i = 0; i < N; i++) cnt[a[i]]++;
    for (int i = 0; i < NV; i++) CHECKF(fabs(cnt[i] / (double)N - P0[i]) < 0.015, "token %d drawn %.4f", i, cnt[i] / (double)N);
    /* reset restarts the same sequence */
    float logits[NV];
    for (int i = 0; i < NV; i++) logits[i] = (float)log(P0[i]);
    gw_sampler *s = NULL;
    gw_err err = {0};
    p.seed = 42;
    gw_sampler_new(&p, NV, &s, &err);
    int32_t x[64], y[64];
    for (int i = 0; i < 64; i++) gw_sampler_sample(s, logits, &x[i], &err);
    gw_sampler_reset(s);
    for (int i = 0; i < 64; i++) gw_sampler_sample(s, logits, &y[i], &err);
    CHECK(!memcmp(x, y, sizeof x) && !memcmp(x, a, sizeof x));
    gw_sampler_free(s);
    /* greedy ignores the seed */
    base(&p); p.temperature = 0;
    draw(1, &p, 100, a);
    int all0 = 1;
    for (int i = 0; i < 100; i++) all0 &= a[i] == 0;
    CHECK(all0);
}

/* feed pieces; returns what was emitted (concatenated) and whether it stopped */
static int feed_all(gw_stop_matcher *m, const char *const *pieces, int n, char *out, int *stopped_at) {
    size_t o = 0;
    *stopped_at = -1;
    for (int i = 0; i < n; i++) {
        const char *e;
        size_t el;
        int st = gw_stop_feed(m, pieces[i], strlen(pieces[i]), &e, &el);
        memcpy(out + o, e, el);
        o += el;
        if (st) { *stopped_at = i; out[o] = 0; return 1; }
    }
    const char *e;
    size_t el;
    gw_stop_flush(m, &e, &el);
    memcpy(out + o, e, el);
    o += el;
    out[o] = 0;
    return 0;
}

static void test_stop_strings(void) {
    const char *stops[] = {"END", "\n\nUser:"};
    gw_stop_matcher *m = NULL;
    gw_err err = {0};
    CHECK(gw_stop_new(stops, 2, &m, &err) == GW_OK);
    char out[256];
    int at;
    const char *p1[] = {"Hello E", "N", "D and more"};
    CHECK(feed_all(m, p1, 3, out, &at) == 1 && at == 2 && !strcmp(out, "Hello "));
    gw_stop_reset(m);
    /* a partial match that fails is released, in order */
    const char *p2[] = {"En", "EN", "x", " done"};
    CHECK(feed_all(m, p2, 4, out, &at) == 0 && !strcmp(out, "EnENx done"));
    gw_stop_reset(m);
    /* held back while it could still be a stop string */
    const char *e;
    size_t el;
    CHECK(gw_stop_feed(m, "ok\n", 3, &e, &el) == 0 && el == 2 && !memcmp(e, "ok", 2));
    CHECK(gw_stop_feed(m, "\nUs", 3, &e, &el) == 0 && el == 0);
    CHECK(gw_stop_feed(m, "er: hi", 6, &e, &el) == 1 && el == 0);
    gw_stop_reset(m);
    /* the stop string inside one piece */
    const char *p3[] = {"abcENDdef"};
    CHECK(feed_all(m, p3, 1, out, &at) == 1 && !strcmp(out, "abc"));
    gw_stop_reset(m);
    /* the earliest of two stop strings wins */
    const char *p4[] = {"x\n\nUser: END"};
    CHECK(feed_all(m, p4, 1, out, &at) == 1 && !strcmp(out, "x"));
    gw_stop_free(m);
    /* no stop strings: everything passes at once */
    CHECK(gw_stop_new(NULL, 0, &m, &err) == GW_OK);
    CHECK(gw_stop_feed(m, "END", 3, &e, &el) == 0 && el == 3);
    gw_stop_free(m);
}

static void test_chat_template(void) {
    gw_chat_msg msgs[] = {{"system", "Be brief."}, {"user", "  Hi there \n"}, {"assistant", "Hello!"},
                          {"user", "What is 2+2?"}};
    char *s = NULL;
    gw_err err = {0};
    CHECK(gw_chat_format(GW_CHAT_GEMMA, msgs, 4, 1, 1, &s, &err) == GW_OK);
    const char *want = "<bos><start_of_turn>user\nBe brief.\n\nHi there<end_of_turn>\n"
                       "<start_of_turn>model\nHello!<end_of_turn>\n"
                       "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n";
    CHECKF(s && !strcmp(s, want), "got %s", s ? s : "(null)");
    free(s);
    CHECK(gw_chat_format(GW_CHAT_GEMMA, msgs + 1, 1, 0, 0, &s, &err) == GW_OK &&
          !strcmp(s, "<start_of_turn>user\nHi there<end_of_turn>\n"));
    free(s);
    gw_chat_msg bad[] = {{"user", "a"}, {"system", "b"}};
    CHECK(gw_chat_format(GW_CHAT_GEMMA, bad, 2, 1, 1, &s, &err) == GW_E_INVALID && s == NULL);
    gw_chat_msg bad2[] = {{"tool", "a"}};
    CHECK(gw_chat_format(GW_CHAT_GEMMA, bad2, 1, 1, 1, &s, &err) == GW_E_INVALID);
    gw_chat_kind k;
    CHECK(gw_chat_detect(NULL, &k, &err) == GW_OK && k == GW_CHAT_GEMMA);
    CHECK(gw_chat_detect("{{ bos_token }}{% for m in messages %}<start_of_turn>...", &k, &err) == GW_OK);
    CHECK(gw_chat_detect("<|im_start|>{{ m }}", &k, &err) == GW_E_UNSUPPORTED);
}

int main(void) {
    test_options();
    test_seeds();
    test_top_p_big();
    test_stop_strings();
    test_chat_template();
    return test_summary("test_sampler");
}
