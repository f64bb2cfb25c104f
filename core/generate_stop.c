/* generate_stop.c — stop strings across token boundaries (see generate.h).
 * The matcher keeps back the longest suffix of the text seen that is a
 * prefix of some stop string; everything before it is safe to show. */
#include <stdlib.h>

#include "generate.h"

struct gw_stop_matcher {
    char **stops;
    size_t *lens;
    int n;
    size_t max_len;
    char *buf;          /* held back text + new text */
    size_t n_buf, cap;
    char *out;          /* what the last call emitted */
    size_t cap_out;
};

int gw_stop_new(const char *const *stops, int n, gw_stop_matcher **out, gw_err *err) {
    *out = NULL;
    gw_stop_matcher *m = calloc(1, sizeof *m);
    if (!m) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    if (n > 0) {
        m->stops = calloc((size_t)n, sizeof *m->stops);
        m->lens = calloc((size_t)n, sizeof *m->lens);
        if (!m->stops || !m->lens) { gw_stop_free(m); return gw_set_err(err, GW_E_NOMEM, "out of memory"); }
    }
    for (int i = 0; i < n; i++) {
        if (!stops[i] || !stops[i][0]) continue; /* an empty stop string would stop at once: ignore */
        size_t l = strlen(stops[i]);
        char *c = malloc(l + 1);
        if (!c) { gw_stop_free(m); return gw_set_err(err, GW_E_NOMEM, "out of memory"); }
        memcpy(c, stops[i], l + 1);
        m->stops[m->n] = c;
        m->lens[m->n++] = l;
        if (l > m->max_len) m->max_len = l;
    }
    *out = m;
    return GW_OK;
}

void gw_stop_free(gw_stop_matcher *m) {
    if (!m) return;
    for (int i = 0; i < m->n; i++) free(m->stops[i]);
    free(m->stops); free(m->lens); free(m->buf); free(m->out);
    free(m);
}

void gw_stop_reset(gw_stop_matcher *m) { m->n_buf = 0; }

static int grow(char **p, size_t *cap, size_t need) {
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    char *g = realloc(*p, nc);
    if (!g) return 0;
    *p = g; *cap = nc;
    return 1;
}

/* Sets out to buf[0..n) and removes it from buf. */
static void emit_prefix(gw_stop_matcher *m, size_t n, const char **emit, size_t *emit_len) {
    if (!grow(&m->out, &m->cap_out, n + 1)) n = 0; /* out of memory: emit nothing */
    memcpy(m->out, m->buf, n);
    m->out[n] = 0;
    memmove(m->buf, m->buf + n, m->n_buf - n);
    m->n_buf -= n;
    *emit = m->out;
    *emit_len = n;
}

int gw_stop_feed(gw_stop_matcher *m, const char *text, size_t len, const char **emit, size_t *emit_len) {
    if (!grow(&m->buf, &m->cap, m->n_buf + len + 1)) { *emit = text; *emit_len = len; return 0; }
    memcpy(m->buf + m->n_buf, text, len);
    m->n_buf += len;
    /* earliest complete stop string */
    size_t first = (size_t)-1;
    for (int i = 0; i < m->n; i++) {
        size_t l = m->lens[i];
        for (size_t p = 0; p + l <= m->n_buf && p < first; p++)
            if (!memcmp(m->buf + p, m->stops[i], l)) { first = p; break; }
    }
    if (first != (size_t)-1) {
        emit_prefix(m, first, emit, emit_len);
        m->n_buf = 0;
        return 1;
    }
    /* hold back the longest suffix that is a prefix of a stop string */
    size_t hold = 0;
    for (int i = 0; i < m->n; i++) {
        size_t l = m->lens[i];
        for (size_t k = l - 1 < m->n_buf ? l - 1 : m->n_buf; k > hold; k--)
            if (!memcmp(m->buf + m->n_buf - k, m->stops[i], k)) { hold = k; break; }
    }
    emit_prefix(m, m->n_buf - hold, emit, emit_len);
    return 0;
}

void gw_stop_flush(gw_stop_matcher *m, const char **emit, size_t *emit_len) {
    if (!m->buf) { *emit = ""; *emit_len = 0; return; }
    emit_prefix(m, m->n_buf, emit, emit_len);
    if (!m->out) *emit = "";
}
