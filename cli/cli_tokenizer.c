/* cli_tokenizer.c — see cli_tokenizer.h */
#define _POSIX_C_SOURCE 199309L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_tokenizer.h"
#include "cli_util.h"
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
    /* a tokenizer's metadata is tens of MB: start big to parse once or twice */
    size_t want = (size_t)48 << 20, have = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long sz = ftell(f);
        if (sz > 0 && (size_t)sz < want) want = (size_t)sz;
        rewind(f);
    }
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

const char CLI_GEN_HELP[] =
    "  -n, --max-tokens N     tokens to generate (default %d)\n"
    "  --temp T               temperature (default 0 = greedy; with T > 0 top-k 64, top-p 0.95)\n"
    "  --top-k K              keep the K most likely tokens (0 = all)\n"
    "  --top-p P              keep the smallest set of tokens with probability mass >= P\n"
    "  --min-p P              drop tokens less likely than P times the most likely\n"
    "  --repeat-penalty R     divide positive / multiply negative logits of recent tokens (1 = off)\n"
    "  --repeat-last-n N      recent tokens the penalties look at (default 64, -1 = all)\n"
    "  --freq-penalty F       subtract F per occurrence of a recent token\n"
    "  --presence-penalty F   subtract F once from every recent token\n"
    "  --seed S               random seed (default 0): same seed, same output\n"
    "  --stop STR             stop before this text (repeatable)\n"
    "  --ignore-eos           do not stop at <eos>/<end_of_turn>\n";

void cli_gen_opts_init(cli_gen_opts *o, int max_tokens) {
    memset(o, 0, sizeof *o);
    gw_sampler_default_params(&o->gen.sampling);
    o->gen.max_tokens = max_tokens;
    o->gen.stop = o->stops;
}

static int parse_f(const char *cmd, const char *flag, const char *v, float *out) {
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end) { cli_failf(cmd, "bad %s value '%s'", flag, v); return -1; }
    *out = (float)d;
    return 1;
}

int cli_parse_gen_flag(const char *cmd, int argc, char **argv, int *i, cli_gen_opts *o) {
    const char *a = argv[*i];
    gw_sampler_params *p = &o->gen.sampling;
    if (!strcmp(a, "--ignore-eos")) { o->gen.ignore_eos = 1; return 1; }
    static const char *const with_value[] = {"-n", "--max-tokens", "--temp", "--top-k", "--top-p", "--min-p",
        "--repeat-penalty", "--repeat-last-n", "--freq-penalty", "--presence-penalty", "--seed", "--stop", NULL};
    int known = 0;
    for (int k = 0; with_value[k]; k++) if (!strcmp(a, with_value[k])) known = 1;
    if (!known) return 0;
    if (*i + 1 >= argc) { cli_failf(cmd, "%s needs a value", a); return -1; }
    const char *v = argv[++*i];
    if (!strcmp(a, "--stop")) {
        if (o->gen.n_stop == CLI_MAX_STOP) { cli_failf(cmd, "at most %d --stop strings", CLI_MAX_STOP); return -1; }
        o->stops[o->gen.n_stop++] = v;
        return 1;
    }
    if (!strcmp(a, "--temp")) { o->temp_given = 1; return parse_f(cmd, a, v, &p->temperature); }
    if (!strcmp(a, "--top-p")) { o->top_p_given = 1; return parse_f(cmd, a, v, &p->top_p); }
    if (!strcmp(a, "--min-p")) return parse_f(cmd, a, v, &p->min_p);
    if (!strcmp(a, "--repeat-penalty")) return parse_f(cmd, a, v, &p->repeat_penalty);
    if (!strcmp(a, "--freq-penalty")) return parse_f(cmd, a, v, &p->freq_penalty);
    if (!strcmp(a, "--presence-penalty")) return parse_f(cmd, a, v, &p->presence_penalty);
    char *end;
    long long x = strtoll(v, &end, 10);
    if (end == v || *end) { cli_failf(cmd, "bad %s value '%s'", a, v); return -1; }
    if (!strcmp(a, "--seed")) { p->seed = (uint64_t)x; return 1; }
    if (!strcmp(a, "--repeat-last-n")) {
        if (x < -1 || x > 1 << 20) { cli_failf(cmd, "bad %s value", a); return -1; }
        p->penalty_last_n = (int)x;
        return 1;
    }
    if (x < 0 || x > 1 << 24) { cli_failf(cmd, "bad %s value", a); return -1; }
    if (!strcmp(a, "--top-k")) { o->top_k_given = 1; p->top_k = (int)x; }
    else o->gen.max_tokens = (int)x; /* -n, --max-tokens */
    return 1;
}

void cli_gen_opts_done(cli_gen_opts *o) {
    gw_sampler_params *p = &o->gen.sampling;
    if (!o->temp_given) p->temperature = 0.0f;
    if (!o->top_k_given && p->temperature == 0.0f) p->top_k = 0;
    if (!o->top_p_given && p->temperature == 0.0f) p->top_p = 1.0f;
}
