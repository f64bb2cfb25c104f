/* json.c — strict JSON (RFC 8259) DOM parser (contract: json.h).
 *
 * One recursive-descent pass. Every node, string and child array lives in an
 * arena owned by the document. While a container is open its children sit on
 * a shared growable stack; when it closes they are copied into the arena as
 * one contiguous block, so gw_json_at / gw_json_val_at are O(1).
 *
 * Strictness: no comments, no trailing commas, no leading zeros, no NaN/Inf,
 * no control characters or invalid UTF-8 inside strings, nothing after the
 * root value but whitespace (a leading UTF-8 BOM is skipped). A \uXXXX escape
 * that forms a lone surrogate is an ERROR (not replaced by U+FFFD); a number
 * whose magnitude overflows a double is an error. Duplicate keys are kept;
 * gw_json_get returns the first. Nesting deeper than GW_JSON_MAX_DEPTH is an
 * error. Errors read "NAME:LINE:COL: what".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"

#define GW_JSON_MAX_DEPTH 512

struct gw_json {
    uint32_t kind;
    uint32_t n; /* string length / element count / member count */
    union {
        double num;
        int b;
        const char *str;
        gw_json *items; /* arrays: n nodes; objects: 2n nodes (key, value) */
    } u;
};

typedef struct arena_block {
    struct arena_block *next;
    size_t cap, used;
    /* data follows, max-aligned */
} arena_block;

struct gw_json_doc {
    arena_block *blocks;
    gw_json root;
};

typedef struct {
    const unsigned char *p, *end, *start;
    const char *name;
    gw_json_doc *doc;
    size_t next_block;
    gw_json *stack; /* children of open containers */
    size_t sp, scap;
    gw_err *err;
} parser;

/* ---- arena ----------------------------------------------------------- */

#define ARENA_ALIGN 16
static size_t align_up(size_t n) { return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1); }
#define BLOCK_HDR align_up(sizeof(arena_block))

static void *arena_alloc(parser *P, size_t n) {
    n = align_up(n ? n : 1);
    arena_block *b = P->doc->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = P->next_block;
        if (cap < n) cap = n;
        b = malloc(BLOCK_HDR + cap);
        if (!b) return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = P->doc->blocks;
        P->doc->blocks = b;
        if (P->next_block < ((size_t)16 << 20)) P->next_block *= 2;
    }
    void *r = (char *)b + BLOCK_HDR + b->used;
    b->used += n;
    return r;
}

/* ---- errors ---------------------------------------------------------- */

static int fail_at(parser *P, const unsigned char *at, int code, const char *what) {
    size_t line = 1, col = 1;
    for (const unsigned char *q = P->start; q < at && q < P->end; q++) {
        if (*q == '\n') { line++; col = 1; }
        else if ((*q & 0xC0) != 0x80) col++; /* count characters, not bytes */
    }
    return gw_set_err(P->err, code, "%s:%zu:%zu: %s", P->name, line, col, what);
}
static int fail(parser *P, const char *what) { return fail_at(P, P->p, GW_E_FORMAT, what); }
static int nomem(parser *P) { return fail_at(P, P->p, GW_E_NOMEM, "out of memory"); }

/* ---- lexing helpers -------------------------------------------------- */

static void skip_ws(parser *P) {
    const unsigned char *p = P->p, *e = P->end;
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    P->p = p;
}

static int push(parser *P, const gw_json *v) {
    if (P->sp == P->scap) {
        size_t nc = P->scap ? P->scap * 2 : 256;
        gw_json *ns = realloc(P->stack, nc * sizeof *ns);
        if (!ns) return nomem(P);
        P->stack = ns;
        P->scap = nc;
    }
    P->stack[P->sp++] = *v;
    return GW_OK;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int read_hex4(parser *P, const unsigned char *q, unsigned *out) {
    if (P->end - q < 4) return fail_at(P, q, GW_E_FORMAT, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(q[i]);
        if (h < 0) return fail_at(P, q + i, GW_E_FORMAT, "bad hex digit in \\u escape");
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return GW_OK;
}

static unsigned char *put_utf8(unsigned char *o, unsigned cp) {
    if (cp < 0x80) *o++ = (unsigned char)cp;
    else if (cp < 0x800) { *o++ = (unsigned char)(0xC0 | (cp >> 6)); *o++ = (unsigned char)(0x80 | (cp & 63)); }
    else if (cp < 0x10000) {
        *o++ = (unsigned char)(0xE0 | (cp >> 12));
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 63));
        *o++ = (unsigned char)(0x80 | (cp & 63));
    } else {
        *o++ = (unsigned char)(0xF0 | (cp >> 18));
        *o++ = (unsigned char)(0x80 | ((cp >> 12) & 63));
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 63));
        *o++ = (unsigned char)(0x80 | (cp & 63));
    }
    return o;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *e) {
    unsigned c = p[0];
    size_t n;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; min = 0x10000; }
    else return 0;
    if ((size_t)(e - p) < n) return 0;
    unsigned cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 63);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/* p at the opening quote. Fills v as a string node. */
static int parse_string(parser *P, gw_json *v) {
    const unsigned char *s = ++P->p, *e = P->end, *q = s;
    int has_escape = 0;
    /* scan: find the closing quote, validate UTF-8 and control chars */
    for (;;) {
        while (q < e && *q >= 0x20 && *q != '"' && *q != '\\' && *q < 0x80) q++;
        if (q >= e) return fail_at(P, s - 1, GW_E_FORMAT, "unterminated string");
        unsigned c = *q;
        if (c == '"') break;
        if (c == '\\') {
            has_escape = 1;
            if (q + 1 >= e) return fail_at(P, s - 1, GW_E_FORMAT, "unterminated string");
            q += 2; /* escape content is validated while unescaping */
            continue;
        }
        if (c < 0x20) return fail_at(P, q, GW_E_FORMAT, "control character in string");
        size_t n = utf8_seq(q, e);
        if (!n) return fail_at(P, q, GW_E_FORMAT, "invalid UTF-8 in string");
        q += n;
    }
    size_t raw = (size_t)(q - s);
    if (raw > UINT32_MAX - 1) return fail_at(P, s, GW_E_FORMAT, "string too long");
    unsigned char *out = arena_alloc(P, raw + 1);
    if (!out) return nomem(P);
    unsigned char *o = out;
    if (!has_escape) {
        memcpy(o, s, raw);
        o += raw;
    } else {
        const unsigned char *r = s;
        while (r < q) {
            if (*r != '\\') { *o++ = *r++; continue; }
            unsigned c = r[1];
            switch (c) {
            case '"': *o++ = '"'; r += 2; break;
            case '\\': *o++ = '\\'; r += 2; break;
            case '/': *o++ = '/'; r += 2; break;
            case 'b': *o++ = '\b'; r += 2; break;
            case 'f': *o++ = '\f'; r += 2; break;
            case 'n': *o++ = '\n'; r += 2; break;
            case 'r': *o++ = '\r'; r += 2; break;
            case 't': *o++ = '\t'; r += 2; break;
            case 'u': {
                unsigned cp;
                int rc = read_hex4(P, r + 2, &cp);
                if (rc) return rc;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return fail_at(P, r, GW_E_FORMAT, "lone low surrogate in \\u escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (q - (r + 6) < 6 || r[6] != '\\' || r[7] != 'u')
                        return fail_at(P, r, GW_E_FORMAT, "lone high surrogate in \\u escape");
                    rc = read_hex4(P, r + 8, &lo);
                    if (rc) return rc;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return fail_at(P, r, GW_E_FORMAT, "lone high surrogate in \\u escape");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    r += 12;
                } else {
                    r += 6;
                }
                if (r > q) return fail_at(P, q, GW_E_FORMAT, "truncated \\u escape");
                o = put_utf8(o, cp); /* never longer than the escape text */
                break;
            }
            default: return fail_at(P, r, GW_E_FORMAT, "invalid escape in string");
            }
        }
    }
    *o = 0;
    v->kind = GW_JSON_STRING;
    v->n = (uint32_t)(o - out);
    v->u.str = (const char *)out;
    P->p = q + 1;
    return GW_OK;
}

static int parse_number(parser *P, gw_json *v) {
    const unsigned char *s = P->p, *q = s, *e = P->end;
    int neg = 0, is_int = 1;
    if (q < e && *q == '-') { neg = 1; q++; }
    if (q >= e || *q < '0' || *q > '9') return fail_at(P, s, GW_E_FORMAT, "invalid number");
    const unsigned char *ds = q;
    if (*q == '0') {
        q++;
        if (q < e && *q >= '0' && *q <= '9') return fail_at(P, s, GW_E_FORMAT, "leading zero in number");
    } else {
        while (q < e && *q >= '0' && *q <= '9') q++;
    }
    size_t ndig = (size_t)(q - ds);
    if (q < e && *q == '.') {
        is_int = 0;
        q++;
        if (q >= e || *q < '0' || *q > '9') return fail_at(P, q, GW_E_FORMAT, "digit expected after '.'");
        while (q < e && *q >= '0' && *q <= '9') q++;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        is_int = 0;
        q++;
        if (q < e && (*q == '+' || *q == '-')) q++;
        if (q >= e || *q < '0' || *q > '9') return fail_at(P, q, GW_E_FORMAT, "digit expected in exponent");
        while (q < e && *q >= '0' && *q <= '9') q++;
    }
    double d;
    if (is_int && ndig <= 15) {
        int64_t x = 0;
        for (const unsigned char *t = ds; t < q; t++) x = x * 10 + (*t - '0');
        d = neg ? -(double)x : (double)x;
    } else {
        size_t n = (size_t)(q - s);
        char small[64];
        char *tmp = n < sizeof small ? small : malloc(n + 1);
        if (!tmp) return nomem(P);
        memcpy(tmp, s, n);
        tmp[n] = 0;
        d = strtod(tmp, NULL);
        if (tmp != small) free(tmp);
        if (isinf(d)) return fail_at(P, s, GW_E_FORMAT, "number out of range");
    }
    v->kind = GW_JSON_NUMBER;
    v->n = 0;
    v->u.num = d;
    P->p = q;
    return GW_OK;
}

static int match_lit(parser *P, const char *lit, size_t n) {
    if ((size_t)(P->end - P->p) < n || memcmp(P->p, lit, n)) return fail(P, "invalid literal");
    P->p += n;
    return GW_OK;
}

static int parse_value(parser *P, gw_json *v, int depth);

/* Move the top count nodes of the stack into the arena as items of v. */
static int close_container(parser *P, gw_json *v, size_t base, int kind) {
    size_t cnt = P->sp - base;
    size_t members = kind == GW_JSON_OBJECT ? cnt / 2 : cnt;
    if (members > UINT32_MAX) return fail(P, "container too large");
    v->kind = (uint32_t)kind;
    v->n = (uint32_t)members;
    v->u.items = NULL;
    if (cnt) {
        gw_json *items = arena_alloc(P, cnt * sizeof(gw_json));
        if (!items) return nomem(P);
        memcpy(items, P->stack + base, cnt * sizeof(gw_json));
        v->u.items = items;
    }
    P->sp = base;
    return GW_OK;
}

static int parse_array(parser *P, gw_json *v, int depth) {
    size_t base = P->sp;
    P->p++; /* [ */
    skip_ws(P);
    if (P->p < P->end && *P->p == ']') { P->p++; return close_container(P, v, base, GW_JSON_ARRAY); }
    for (;;) {
        gw_json el;
        int rc = parse_value(P, &el, depth + 1);
        if (rc) return rc;
        if ((rc = push(P, &el))) return rc;
        skip_ws(P);
        if (P->p >= P->end) return fail(P, "unterminated array");
        if (*P->p == ',') { P->p++; continue; }
        if (*P->p == ']') { P->p++; break; }
        return fail(P, "expected ',' or ']' in array");
    }
    return close_container(P, v, base, GW_JSON_ARRAY);
}

static int parse_object(parser *P, gw_json *v, int depth) {
    size_t base = P->sp;
    P->p++; /* { */
    skip_ws(P);
    if (P->p < P->end && *P->p == '}') { P->p++; return close_container(P, v, base, GW_JSON_OBJECT); }
    for (;;) {
        gw_json key, val;
        skip_ws(P);
        if (P->p >= P->end) return fail(P, "unterminated object");
        if (*P->p != '"') return fail(P, "expected string key in object");
        int rc = parse_string(P, &key);
        if (rc) return rc;
        skip_ws(P);
        if (P->p >= P->end || *P->p != ':') return fail(P, "expected ':' after object key");
        P->p++;
        if ((rc = parse_value(P, &val, depth + 1))) return rc;
        if ((rc = push(P, &key)) || (rc = push(P, &val))) return rc;
        skip_ws(P);
        if (P->p >= P->end) return fail(P, "unterminated object");
        if (*P->p == ',') { P->p++; continue; }
        if (*P->p == '}') { P->p++; break; }
        return fail(P, "expected ',' or '}' in object");
    }
    return close_container(P, v, base, GW_JSON_OBJECT);
}

static int parse_value(parser *P, gw_json *v, int depth) {
    if (depth > GW_JSON_MAX_DEPTH) return fail(P, "nesting too deep");
    skip_ws(P);
    if (P->p >= P->end) return fail(P, "unexpected end of input, value expected");
    switch (*P->p) {
    case '{': return parse_object(P, v, depth);
    case '[': return parse_array(P, v, depth);
    case '"': return parse_string(P, v);
    case 't': v->kind = GW_JSON_BOOL; v->n = 0; v->u.b = 1; return match_lit(P, "true", 4);
    case 'f': v->kind = GW_JSON_BOOL; v->n = 0; v->u.b = 0; return match_lit(P, "false", 5);
    case 'n': v->kind = GW_JSON_NULL; v->n = 0; v->u.items = NULL; return match_lit(P, "null", 4);
    default:
        if (*P->p == '-' || (*P->p >= '0' && *P->p <= '9')) return parse_number(P, v);
        return fail(P, "unexpected character, value expected");
    }
}

/* ---- public API ------------------------------------------------------ */

void gw_json_doc_free(gw_json_doc *d) {
    if (!d) return;
    arena_block *b = d->blocks;
    while (b) {
        arena_block *n = b->next;
        free(b);
        b = n;
    }
    free(d);
}

int gw_json_parse(const char *buf, size_t len, const char *name, gw_json_doc **out, gw_err *err) {
    if (!out) return gw_set_err(err, GW_E_INVALID, "gw_json_parse: out is NULL");
    *out = NULL;
    if (!name) name = "<json>";
    if (!buf && len) return gw_set_err(err, GW_E_INVALID, "%s: NULL buffer", name);
    gw_json_doc *d = calloc(1, sizeof *d);
    if (!d) return gw_set_err(err, GW_E_NOMEM, "%s: out of memory", name);
    parser P = {0};
    P.start = P.p = (const unsigned char *)(buf ? buf : "");
    P.end = P.p + len;
    P.name = name;
    P.doc = d;
    P.err = err;
    /* first block sized to the input: strings + nodes rarely exceed it */
    P.next_block = len < 4096 ? 4096 : len;
    if (len >= 3 && !memcmp(P.p, "\xEF\xBB\xBF", 3)) P.p += 3;
    int rc = parse_value(&P, &d->root, 0);
    if (!rc) {
        skip_ws(&P);
        if (P.p != P.end) rc = fail(&P, "unexpected data after the JSON value");
    }
    free(P.stack);
    if (rc) { gw_json_doc_free(d); return rc; }
    *out = d;
    return GW_OK;
}

const gw_json *gw_json_root(const gw_json_doc *d) { return d ? &d->root : NULL; }

gw_json_kind gw_json_kind_of(const gw_json *v) { return v ? (gw_json_kind)v->kind : GW_JSON_NULL; }

const char *gw_json_str(const gw_json *v, size_t *len) {
    if (!v || v->kind != GW_JSON_STRING) { if (len) *len = 0; return NULL; }
    if (len) *len = v->n;
    return v->u.str;
}

double gw_json_num(const gw_json *v) { return v && v->kind == GW_JSON_NUMBER ? v->u.num : 0; }
int gw_json_bool(const gw_json *v) { return v && v->kind == GW_JSON_BOOL ? v->u.b : 0; }
int gw_json_is_null(const gw_json *v) { return !v || v->kind == GW_JSON_NULL; }

size_t gw_json_len(const gw_json *v) {
    return v && (v->kind == GW_JSON_ARRAY || v->kind == GW_JSON_OBJECT) ? v->n : 0;
}

const gw_json *gw_json_at(const gw_json *v, size_t i) {
    return v && v->kind == GW_JSON_ARRAY && i < v->n ? &v->u.items[i] : NULL;
}

const char *gw_json_key_at(const gw_json *v, size_t i) {
    return v && v->kind == GW_JSON_OBJECT && i < v->n ? v->u.items[2 * i].u.str : NULL;
}

const gw_json *gw_json_val_at(const gw_json *v, size_t i) {
    return v && v->kind == GW_JSON_OBJECT && i < v->n ? &v->u.items[2 * i + 1] : NULL;
}

const gw_json *gw_json_get(const gw_json *obj, const char *key) {
    if (!obj || obj->kind != GW_JSON_OBJECT || !key) return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < obj->n; i++) {
        const gw_json *k = &obj->u.items[2 * i];
        if (k->n == kl && !memcmp(k->u.str, key, kl)) return &obj->u.items[2 * i + 1];
    }
    return NULL;
}
