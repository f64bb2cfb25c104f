/* test_wasm_api.c — the wasm API (wasm/api.c, wasm/api_text.c) built
 * natively, so ASan/valgrind see it: a split model copied into buffers from
 * gwapi_split_alloc builds and reproduces the fixture's greedy tokens; the
 * chat path reuses a common prefix; broken splits give clear errors; the
 * text functions work on models/default (tokenizer) and refuse a model
 * without one. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../wasm/api.c"
#include "../../wasm/api_text.c"
#include "convert.h"
#include "testutil.h"

/* hf-tiny/gemma3-tiny reference.json: greedy_prompt -> greedy_new_tokens */
static const int32_t PROMPT[] = {2, 953, 710, 723, 836, 250, 355, 210};
static const int32_t WANT[] = {835, 835, 317, 317, 317, 560, 78, 787, 787, 404, 840, 840,
                               840, 840, 840, 515, 879, 879, 387, 387, 309, 233, 233, 19};
#define NP (int)(sizeof PROMPT / sizeof *PROMPT)
#define NW (int)(sizeof WANT / sizeof *WANT)

/* Copy the files of a split set into a fresh handle; names NUL-separated into names. */
static gwapi *load_splits(const char *prefix, int count, char *names, size_t cap, size_t trunc_last) {
    gwapi *h = gwapi_new();
    size_t used = 0;
    for (int i = 0; i < count; i++) {
        char path[512];
        gw_split_make_name(path, sizeof path, prefix, i + 1, count);
        size_t len = 0;
        unsigned char *data = test_read_file(path, &len);
        CHECKF(data != NULL, "%s", path);
        if (!data) continue;
        if (i == count - 1 && trunc_last) len -= trunc_last;
        uint8_t *p = gwapi_split_alloc(h, i, (uint32_t)len);
        CHECK(p != NULL);
        if (p) memcpy(p, data, len);
        free(data);
        size_t n = strlen(path) + 1;
        if (used + n < cap) { memcpy(names + used, path, n); used += n; }
    }
    names[used] = 0;
    return h;
}

static int greedy(gwapi *h, const int32_t *prompt, int n, int keep, int32_t *out, int n_out, int32_t *reused) {
    int32_t *io = gwapi_io(h, n);
    memcpy(io, prompt, (size_t)n * sizeof *prompt);
    int rc = gwapi_prompt(h, n, keep, reused);
    for (int i = 0; i < n_out && !rc; i++) {
        out[i] = gwapi_argmax(h);
        if (i + 1 < n_out) rc = gwapi_accept(h, out[i]);
    }
    return rc;
}

static void test_tiny(const char *dir) {
    char prefix[512], names[1 << 14];
    snprintf(prefix, sizeof prefix, "%s/tiny", dir);
    char out[600];
    snprintf(out, sizeof out, "%s.gguf", prefix);
    gw_err err = {0};
    gw_convert_opts o = {.type = GW_TYPE_F32, .split_max_bytes = 40000};
    int n_files = 0;
    int rc = gw_convert_run(GW_FIXTURES "/hf-tiny/gemma3-tiny", out, &o, &n_files, &err);
    CHECKF(rc == GW_OK && n_files > 2, "convert: %s", err.msg);
    if (rc) return;

    gwapi *h = load_splits(prefix, n_files, names, sizeof names, 0);
    rc = gwapi_build(h, names, 64, 1);
    CHECKF(rc == GW_OK, "build: %s", gwapi_errmsg(h));
    if (!rc) {
        const int32_t *info = gwapi_info(h);
        CHECK(info[0] == GW_ARCH_GEMMA3 && info[1] == 1024 && info[15] == 64);
        CHECK(!strcmp(gwapi_arch_name(h), "gemma3"));
        int32_t got[NW], reused = -1;
        rc = greedy(h, PROMPT, NP, 0, got, NW, &reused);
        CHECKF(rc == GW_OK, "%s", gwapi_errmsg(h));
        CHECK(reused == 0 && !memcmp(got, WANT, sizeof WANT));
        /* a chat turn that extends what the session holds prefills only the rest */
        int32_t turn2[NP + NW];
        memcpy(turn2, PROMPT, sizeof PROMPT);
        memcpy(turn2 + NP, WANT, (NW - 1) * sizeof *WANT);
        int32_t next[2];
        rc = greedy(h, turn2, NP + NW - 1, 1, next, 2, &reused);
        CHECK(rc == GW_OK && reused == NP + NW - 2 && next[0] == WANT[NW - 1]);
        /* a diverging prompt rewinds to the common prefix */
        int32_t other[3] = {2, 953, 7};
        rc = greedy(h, other, 3, 1, next, 1, &reused);
        CHECK(rc == GW_OK && reused == 2 && gwapi_n_hist(h) == 3);
        /* the core sampler at temperature 0 is greedy */
        rc = greedy(h, PROMPT, NP, 0, next, 1, &reused);
        CHECK(rc == GW_OK && gwapi_sampler_set(h, 0, 0, 1, 0, 1, 0, 0, 1, 0) == GW_OK);
        CHECK(gwapi_sample(h) == WANT[0]);
        /* no tokenizer in this model: text functions say so */
        CHECK(!gwapi_has_tokenizer(h));
        CHECK(gwapi_tokenize(h, "hi", 2, 1) == -GW_E_UNSUPPORTED);
        CHECK(gwapi_detokenize(h, 1) == NULL && gwapi_errcode(h) == GW_E_UNSUPPORTED);
        CHECK(gwapi_chat_format(h, "user\0hi\0", 1) == NULL);
        /* out-of-vocabulary ids */
        int32_t bad[2] = {2, 5000};
        CHECK(greedy(h, bad, 2, 0, next, 1, &reused) == GW_E_RANGE);
        gwapi_reset(h);
        CHECK(gwapi_n_hist(h) == 0);
    }
    gwapi_free(h);

    /* a truncated last split, a missing split, a non-GGUF buffer */
    h = load_splits(prefix, n_files, names, sizeof names, 100);
    rc = gwapi_build(h, names, 64, 1);
    CHECKF(rc == GW_E_FORMAT && strstr(gwapi_errmsg(h), "truncated"), "%d %s", rc, gwapi_errmsg(h));
    gwapi_free(h);
    h = load_splits(prefix, n_files, names, sizeof names, 0);
    gwapi_split_free(h, 1);
    rc = gwapi_build(h, names, 64, 1);
    CHECKF(rc == GW_E_INVALID && strstr(gwapi_errmsg(h), "split 2"), "%d %s", rc, gwapi_errmsg(h));
    gwapi_free(h);
    /* a build that fails after the model was made (here: a negative
     * context) drops the splits, whose weights the model had regrouped in
     * place: a second build asks for them again instead of misreading them */
    h = load_splits(prefix, n_files, names, sizeof names, 0);
    CHECK(gwapi_build(h, names, -1, 1) != GW_OK);
    rc = gwapi_build(h, names, 64, 1);
    CHECKF(rc == GW_E_INVALID && strstr(gwapi_errmsg(h), "no splits"), "%d %s", rc, gwapi_errmsg(h));
    gwapi_free(h);
    h = gwapi_new();
    uint8_t *p = gwapi_split_alloc(h, 0, 16);
    memcpy(p, "<html>not a gguf", 16);
    CHECK(gwapi_check_magic(h, p, 16, "x.gguf") == GW_E_FORMAT && strstr(gwapi_errmsg(h), "not a GGUF"));
    CHECK(gwapi_build(h, "x.gguf\0", 0, 1) != GW_OK);
    gwapi_free(h);
}

/* Greedy reply to text, streamed through gwapi_text_push (stops: a
 * NUL-separated list ending in an empty string, or NULL); returns 1 when a
 * stop string ended it. */
static int stream_reply(gwapi *h, const char *text, const char *stops, char *acc, size_t cap) {
    int n_stops = 0;
    for (const char *p = stops; p && *p; p += strlen(p) + 1) n_stops++;
    int n = gwapi_tokenize(h, text, (int)strlen(text), 1);
    CHECK(n > 0 && gwapi_prompt(h, n, 0, NULL) == GW_OK);
    CHECK(gwapi_sampler_set(h, 0, 0, 1, 0, 1, 0, 0, 0, 0) == GW_OK);
    CHECK(gwapi_text_begin(h, stops ? stops : "", n_stops) == GW_OK);
    acc[0] = 0;
    int stopped = 0;
    for (int i = 0; i < 24 && !stopped; i++) {
        int32_t tok = gwapi_sample(h);
        CHECK(tok >= 0);
        if (tok == h->model->info.eos_id || tok == h->model->info.eot_id) break;
        const char *piece = gwapi_text_push(h, tok);
        CHECK(piece != NULL);
        if (piece && strlen(acc) + strlen(piece) < cap) strcat(acc, piece);
        stopped = gwapi_text_stopped(h);
        if (!stopped) CHECK(gwapi_accept(h, tok) == GW_OK);
    }
    const char *rest = gwapi_text_end(h);
    CHECK(rest != NULL);
    if (rest && strlen(acc) + strlen(rest) < cap) strcat(acc, rest);
    return stopped;
}

/* models/default: a split model with a tokenizer and a chat template. */
static void test_text(void) {
    const char *prefix = "models/default/gemwasm-default-q8_0";
    char first[512], names[4096];
    gw_split_make_name(first, sizeof first, prefix, 1, 3);
    struct stat st;
    if (stat(first, &st) != 0) { printf("models/default missing: text checks skipped\n"); return; }
    gwapi *h = load_splits(prefix, 3, names, sizeof names, 0);
    int rc = gwapi_build(h, names, 256, 1);
    CHECKF(rc == GW_OK, "%s", gwapi_errmsg(h));
    if (rc) { gwapi_free(h); return; }
    CHECK(gwapi_has_tokenizer(h));
    const char *text = "And God said";
    int n = gwapi_tokenize(h, text, (int)strlen(text), 1);
    CHECK(n > 1 && h->io[0] == 2);
    const char *back = gwapi_detokenize(h, n);
    CHECK(back && !strcmp(back, text));
    const char *chat = gwapi_chat_format(h, "system\0Be brief.\0user\0Hi\0", 2);
    CHECK(chat && !strncmp(chat, "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n", 200));
    /* a reply streamed through the text path; then again with a stop string
     * taken from that reply: the text ends just before it */
    char full[2048], cut[2048];
    int stopped = stream_reply(h, text, NULL, full, sizeof full);
    CHECK(!stopped && strlen(full) > 8);
    char stop[64] = "";
    const char *w = strchr(full + 1, ' ');            /* the second word of the reply */
    if (w) { size_t k = strcspn(w + 1, " ,.;:\n"); if (k > 0 && k < 60) { stop[0] = ' '; memcpy(stop + 1, w + 1, k); stop[k + 1] = 0; } }
    CHECKF(stop[0] != 0, "no second word in '%s'", full);
    if (stop[0]) {
        char list[80];
        memcpy(list, stop, strlen(stop) + 1);
        list[strlen(stop) + 1] = 0;
        stopped = stream_reply(h, text, list, cut, sizeof cut);
        size_t at = (size_t)(strstr(full, stop) - full);
        CHECKF(stopped && strlen(cut) == at && !strncmp(cut, full, at), "'%s' stop '%s' -> '%s'", full, stop, cut);
    }
    gwapi_free(h);
}

int main(void) {
    char dir[] = "/tmp/gw-test-wasm-api-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    test_tiny(dir);
    test_text();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
    return test_summary("test_wasm_api");
}
