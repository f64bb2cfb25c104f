/* cli_tokenizer.c — see cli_tokenizer.h */
#define _POSIX_C_SOURCE 199309L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_tokenizer.h"
#include "common.h"
#include "gguf.h"

int cli_read_file(const char *path, char **buf, size_t *len, gw_err *err) {
    *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return gw_set_err(err, GW_E_IO, "%s: cannot open", path);
    size_t cap = 1 << 16, n = 0;
    if (fseek(f, 0, SEEK_END) == 0) { /* size it up front when the file can tell */
        long sz = ftell(f);
        if (sz > 0) cap = (size_t)sz + 2;
        rewind(f);
    }
    char *b = malloc(cap);
    for (;;) {
        if (!b) { fclose(f); return gw_set_err(err, GW_E_NOMEM, "%s: out of memory", path); }
        size_t r = fread(b + n, 1, cap - n - 1, f);
        n += r;
        if (n + 1 < cap || r == 0) break;
        char *g = realloc(b, cap *= 2);
        if (!g) free(b);
        b = g;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(b); return gw_set_err(err, GW_E_IO, "%s: read error", path); }
    b[n] = 0;
    *buf = b;
    *len = n;
    return GW_OK;
}

/* GGUF metadata only: read a growing prefix until the header parses. */
static int load_gguf_meta(const char *path, gw_gguf **out, gw_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return gw_set_err(err, GW_E_IO, "%s: cannot open", path);
    size_t want = 1 << 20, have = 0;
    uint8_t *buf = NULL;
    int rc;
    for (;;) {
        uint8_t *g = realloc(buf, want);
        if (!g) { rc = gw_set_err(err, GW_E_NOMEM, "%s: out of memory", path); break; }
        buf = g;
        have += fread(buf + have, 1, want - have, f);
        size_t need = 0;
        rc = gw_gguf_parse(buf, have, path, out, &need, err);
        if (rc != GW_E_NEED_MORE) break;
        if (have < want) { rc = gw_set_err(err, GW_E_FORMAT, "%s: file ends inside the GGUF header", path); break; }
        want = need > want * 2 ? need : want * 2;
    }
    free(buf);
    fclose(f);
    return rc;
}

int cli_load_tokenizer(const char *model_path, const char *json_path, gw_tokenizer **out, gw_err *err) {
    *out = NULL;
    if (json_path) {
        char *buf;
        size_t len;
        int rc = cli_read_file(json_path, &buf, &len, err);
        if (rc) return rc;
        rc = gw_tokenizer_from_json(buf, len, json_path, out, err);
        free(buf);
        return rc;
    }
    if (!model_path) return gw_set_err(err, GW_E_INVALID, "give a model (-m) or a tokenizer.json (-t)");
    gw_gguf *g = NULL;
    int rc = load_gguf_meta(model_path, &g, err);
    if (rc) return rc;
    rc = gw_tokenizer_from_gguf(g, out, err);
    if (rc == GW_E_NOT_FOUND)
        rc = gw_set_err(err, GW_E_NOT_FOUND, "%s: the GGUF has no tokenizer (tokenizer.ggml.tokens)", model_path);
    gw_gguf_free(g);
    return rc;
}

int cli_read_line(FILE *f, char **buf, size_t *cap, size_t *len) {
    size_t n = 0;
    int c, any = 0;
    while ((c = fgetc(f)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (n + 2 > *cap) {
            size_t nc = *cap ? *cap * 2 : 256;
            char *g = realloc(*buf, nc);
            if (!g) return 0;
            *buf = g;
            *cap = nc;
        }
        (*buf)[n++] = (char)c;
    }
    if (!any) return 0;
    if (!*buf) { *buf = malloc(1); if (!*buf) return 0; *cap = 1; }
    if (n && (*buf)[n - 1] == '\r') n--;
    (*buf)[n] = 0;
    *len = n;
    return 1;
}

void cli_write_json_str(FILE *f, const char *s, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c);
            else fputc(c, f);
        }
    }
    fputc('"', f);
}

double cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
