/* chat_template.c — see chat_template.h. */
#include <stdlib.h>

#include "chat_template.h"

int gw_chat_detect(const char *jinja, gw_chat_kind *kind, gw_err *err) {
    *kind = GW_CHAT_GEMMA;
    if (!jinja || !*jinja || strstr(jinja, "<start_of_turn>")) return GW_OK;
    return gw_set_err(err, GW_E_UNSUPPORTED,
                      "chat template not recognised (only Gemma's <start_of_turn> format is built in)");
}

typedef struct { char *p; size_t n, cap; int oom; } obuf;

static void put(obuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + n + 1) nc *= 2;
        char *g = realloc(b->p, nc);
        if (!g) { b->oom = 1; return; }
        b->p = g; b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void puts_(obuf *b, const char *s) { put(b, s, strlen(s)); }

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* content with leading and trailing whitespace removed (Jinja's trim) */
static void put_trimmed(obuf *b, const char *s) {
    size_t n = strlen(s), a = 0;
    while (a < n && is_ws(s[a])) a++;
    while (n > a && is_ws(s[n - 1])) n--;
    put(b, s + a, n - a);
}

int gw_chat_format(gw_chat_kind kind, const gw_chat_msg *msgs, int n, int add_bos,
                   int add_generation_prompt, char **out, gw_err *err) {
    *out = NULL;
    if (kind != GW_CHAT_GEMMA) return gw_set_err(err, GW_E_UNSUPPORTED, "chat template: unknown kind %d", (int)kind);
    if (n < 0 || (n && !msgs)) return gw_set_err(err, GW_E_INVALID, "chat template: no messages");
    obuf b = {0};
    put(&b, "", 0);
    if (add_bos) puts_(&b, "<bos>");
    const char *system = NULL;
    int first = 1;
    for (int i = 0; i < n; i++) {
        const char *role = msgs[i].role, *content = msgs[i].content ? msgs[i].content : "";
        if (!role) { free(b.p); return gw_set_err(err, GW_E_INVALID, "chat template: message %d has no role", i); }
        if (!strcmp(role, "system")) {
            if (i != 0) { free(b.p); return gw_set_err(err, GW_E_INVALID, "chat template: the system message must come first"); }
            system = content;
            continue;
        }
        const char *r = !strcmp(role, "assistant") || !strcmp(role, "model") ? "model"
                      : !strcmp(role, "user") ? "user" : NULL;
        if (!r) { free(b.p); return gw_set_err(err, GW_E_INVALID, "chat template: unknown role '%s'", role); }
        puts_(&b, "<start_of_turn>");
        puts_(&b, r);
        puts_(&b, "\n");
        if (first && system) { puts_(&b, system); puts_(&b, "\n\n"); }
        first = 0;
        put_trimmed(&b, content);
        puts_(&b, "<end_of_turn>\n");
    }
    /* a system message alone opens no turn: the official template drops it too */
    if (add_generation_prompt) puts_(&b, "<start_of_turn>model\n");
    if (b.oom) { free(b.p); return gw_set_err(err, GW_E_NOMEM, "out of memory"); }
    *out = b.p;
    return GW_OK;
}
