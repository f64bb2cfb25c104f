/* gguf_read.c — GGUF v2/v3 parser over a memory buffer (see gguf.h).
 *
 * The input is hostile: every count and length is checked against the bytes
 * present and against sane limits before anything is allocated from it, size
 * arithmetic is overflow-checked, and each error names the file and the item
 * being read. A prefix that stops short returns GW_E_NEED_MORE with *need >
 * len (and err says what ran past the end, so a caller that already gave the
 * whole file can report it as truncated).
 *
 * Everything the parsed header owns (names, strings, arrays, tensor infos)
 * lives in one arena freed by gw_gguf_free.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"

#define GGUF_MAGIC "GGUF"
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_ALIGNMENT (1u << 24)
#define GGUF_MAX_HEADER ((uint64_t)512 << 20)  /* metadata + tensor infos */
#define GGUF_MAX_KV (1u << 20)
#define GGUF_MAX_TENSORS (1u << 20)
#define GGUF_MAX_KEY 4096
#define GGUF_MAX_TENSOR_NAME 4096
#define GGUF_MAX_STRING ((uint64_t)64 << 20)

/* ---- arena ------------------------------------------------------------- */
typedef struct arena_blk {
    struct arena_blk *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
} arena_blk;

static void *arena_alloc(arena_blk **head, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    arena_blk *b = *head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        if (cap > SIZE_MAX - sizeof(arena_blk)) return NULL;
        arena_blk *nb = malloc(sizeof(arena_blk) + cap);
        if (!nb) return NULL;
        nb->cap = cap;
        nb->used = 0;
        if (b && n > 65536) { /* big one-off: keep the current block on top */
            nb->next = b->next;
            b->next = nb;
            nb->used = n;
            return nb->data;
        }
        nb->next = b;
        *head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static void arena_free(arena_blk *b) {
    while (b) {
        arena_blk *n = b->next;
        free(b);
        b = n;
    }
}

/* ---- parsed header ------------------------------------------------------- */
typedef struct gguf_kv {
    const char *key;
    int type;
    union { uint64_t u; int64_t i; double f; } v; /* scalars */
    gw_gguf_str s;                                /* GW_GGUF_STRING */
    int arr_type;                                 /* GW_GGUF_ARRAY */
    uint64_t arr_n;
    const void *arr;
} gguf_kv;

struct gw_gguf {
    arena_blk *arena;
    const char *name;
    uint32_t version;
    int n_kv;
    gguf_kv *kv;
    int n_tensors;
    gw_tensor *tensors;
    uint64_t *offsets;
    const gw_tensor **by_name; /* sorted by name, for lookups */
    uint32_t alignment;
    uint64_t data_offset, data_size;
    void *own_data; /* malloc'd base of the block from gw_gguf_alloc_data */
};

/* ---- reader ------------------------------------------------------------- */
typedef struct parser {
    const uint8_t *buf;
    size_t len, pos;
    const char *name;
    char ctx[192]; /* what is being read, for messages */
    gw_gguf *g;
    gw_err *err;
    size_t *need;
} parser;

static int vtype_size(int t) {
    switch (t) {
    case GW_GGUF_UINT8: case GW_GGUF_INT8: case GW_GGUF_BOOL: return 1;
    case GW_GGUF_UINT16: case GW_GGUF_INT16: return 2;
    case GW_GGUF_UINT32: case GW_GGUF_INT32: case GW_GGUF_FLOAT32: return 4;
    case GW_GGUF_UINT64: case GW_GGUF_INT64: case GW_GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

static const char *vtype_name(int t) {
    static const char *names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
                                  "string", "array", "u64", "i64", "f64"};
    return t >= 0 && t <= 12 ? names[t] : "unknown";
}

/* The input stops before pos + n: ask for more (or report truncation). */
static int short_input(parser *P, uint64_t n) {
    uint64_t required = (uint64_t)P->pos + n;
    if (n > GGUF_MAX_HEADER || required > GGUF_MAX_HEADER)
        return gw_set_err(P->err, GW_E_FORMAT,
                          "%s: %s claims %llu more bytes at offset %zu: the header would exceed %llu MiB",
                          P->name, P->ctx, (unsigned long long)n, P->pos,
                          (unsigned long long)(GGUF_MAX_HEADER >> 20));
    uint64_t need = required;
    if (need < (uint64_t)P->len * 2) need = (uint64_t)P->len * 2;
    if (need > GGUF_MAX_HEADER && required <= GGUF_MAX_HEADER) need = GGUF_MAX_HEADER;
    if (need < 256) need = 256;
    if (need <= P->len) need = (uint64_t)P->len + 1;
    if (P->need) *P->need = (size_t)need;
    return gw_set_err(P->err, GW_E_NEED_MORE,
                      "%s: truncated: %s runs past the end of the input (%zu bytes, needs %llu)",
                      P->name, P->ctx, P->len, (unsigned long long)required);
}

static int have(const parser *P, uint64_t n) { return n <= P->len - P->pos; }

static uint64_t rd_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static int rd_u32(parser *P, uint32_t *v) {
    if (!have(P, 4)) return short_input(P, 4);
    *v = (uint32_t)rd_le(P->buf + P->pos, 4);
    P->pos += 4;
    return GW_OK;
}

static int rd_u64(parser *P, uint64_t *v) {
    if (!have(P, 8)) return short_input(P, 8);
    *v = rd_le(P->buf + P->pos, 8);
    P->pos += 8;
    return GW_OK;
}

/* A GGUF string (u64 length + bytes), copied NUL-terminated into the arena.
 * nul_ok = 0 rejects embedded NULs (keys, tensor names). */
static int rd_str(parser *P, uint64_t max, int nul_ok, gw_gguf_str *out) {
    uint64_t n = 0;
    int rc = rd_u64(P, &n);
    if (rc) return rc;
    if (n > max)
        return gw_set_err(P->err, GW_E_FORMAT, "%s: %s: string length %llu exceeds the limit %llu",
                          P->name, P->ctx, (unsigned long long)n, (unsigned long long)max);
    if (!have(P, n)) { P->pos -= 8; return short_input(P, 8 + n); }
    if (!nul_ok && memchr(P->buf + P->pos, 0, (size_t)n))
        return gw_set_err(P->err, GW_E_FORMAT, "%s: %s: name contains a NUL byte", P->name, P->ctx);
    char *s = arena_alloc(&P->g->arena, (size_t)n + 1);
    if (!s) return gw_set_err(P->err, GW_E_NOMEM, "%s: out of memory reading %s", P->name, P->ctx);
    memcpy(s, P->buf + P->pos, (size_t)n);
    s[n] = 0;
    P->pos += (size_t)n;
    out->s = s;
    out->len = n;
    return GW_OK;
}

static int rd_scalar(parser *P, int type, gguf_kv *kv) {
    int sz = vtype_size(type);
    if (!have(P, (uint64_t)sz)) return short_input(P, (uint64_t)sz);
    uint64_t raw = rd_le(P->buf + P->pos, sz);
    P->pos += (size_t)sz;
    switch (type) {
    case GW_GGUF_INT8: kv->v.i = (int8_t)raw; break;
    case GW_GGUF_INT16: kv->v.i = (int16_t)raw; break;
    case GW_GGUF_INT32: kv->v.i = (int32_t)raw; break;
    case GW_GGUF_INT64: kv->v.i = (int64_t)raw; break;
    case GW_GGUF_FLOAT32: kv->v.f = gw_f32_from_bits((uint32_t)raw); break;
    case GW_GGUF_FLOAT64: { double d; memcpy(&d, &raw, 8); kv->v.f = d; break; }
    default: kv->v.u = raw; break; /* unsigned and bool */
    }
    return GW_OK;
}

static int rd_array(parser *P, gguf_kv *kv) {
    uint32_t et = 0;
    uint64_t n = 0;
    int rc = rd_u32(P, &et);
    if (rc) return rc;
    if (et == GW_GGUF_ARRAY)
        return gw_set_err(P->err, GW_E_UNSUPPORTED, "%s: %s: arrays of arrays are not supported",
                          P->name, P->ctx);
    if (et > GW_GGUF_FLOAT64)
        return gw_set_err(P->err, GW_E_FORMAT, "%s: %s: unknown array element type %u",
                          P->name, P->ctx, et);
    if ((rc = rd_u64(P, &n))) return rc;
    kv->arr_type = (int)et;
    kv->arr_n = n;
    if (et == GW_GGUF_STRING) {
        /* each element takes at least 8 bytes: check they exist before allocating */
        if (n > GGUF_MAX_HEADER / 8)
            return gw_set_err(P->err, GW_E_FORMAT, "%s: %s: array count %llu is too large",
                              P->name, P->ctx, (unsigned long long)n);
        if (!have(P, n * 8)) return short_input(P, n * 8);
        gw_gguf_str *strs = arena_alloc(&P->g->arena, (size_t)(n ? n : 1) * sizeof *strs);
        if (!strs) return gw_set_err(P->err, GW_E_NOMEM, "%s: out of memory reading %s", P->name, P->ctx);
        size_t ctx_len = strlen(P->ctx);
        for (uint64_t i = 0; i < n; i++) {
            snprintf(P->ctx + ctx_len, sizeof P->ctx - ctx_len, " element %llu", (unsigned long long)i);
            if ((rc = rd_str(P, GGUF_MAX_STRING, 1, &strs[i]))) return rc;
        }
        P->ctx[ctx_len] = 0;
        kv->arr = strs;
        return GW_OK;
    }
    uint64_t esz = (uint64_t)vtype_size((int)et);
    if (n > GGUF_MAX_HEADER / esz)
        return gw_set_err(P->err, GW_E_FORMAT, "%s: %s: array count %llu is too large",
                          P->name, P->ctx, (unsigned long long)n);
    if (!have(P, n * esz)) return short_input(P, n * esz);
    void *data = arena_alloc(&P->g->arena, (size_t)(n * esz));
    if (!data) return gw_set_err(P->err, GW_E_NOMEM, "%s: out of memory reading %s", P->name, P->ctx);
    memcpy(data, P->buf + P->pos, (size_t)(n * esz));
    P->pos += (size_t)(n * esz);
    kv->arr = data;
    return GW_OK;
}

static int rd_kv(parser *P, int i, gguf_kv *kv) {
    gw_gguf_str key;
    uint32_t type = 0;
    snprintf(P->ctx, sizeof P->ctx, "key-value %d", i);
    int rc = rd_str(P, GGUF_MAX_KEY, 0, &key);
    if (rc) return rc;
    if (key.len == 0) return gw_set_err(P->err, GW_E_FORMAT, "%s: %s has an empty key", P->name, P->ctx);
    kv->key = key.s;
    snprintf(P->ctx, sizeof P->ctx, "key-value %d ('%.100s')", i, key.s);
    for (int j = 0; j < i; j++)
        if (!strcmp(P->g->kv[j].key, key.s))
            return gw_set_err(P->err, GW_E_FORMAT, "%s: duplicate key '%.100s' (key-values %d and %d)",
                              P->name, key.s, j, i);
    if ((rc = rd_u32(P, &type))) return rc;
    kv->type = (int)type;
    if (type == GW_GGUF_STRING) return rd_str(P, GGUF_MAX_STRING, 1, &kv->s);
    if (type == GW_GGUF_ARRAY) return rd_array(P, kv);
    if (type > GW_GGUF_FLOAT64)
        return gw_set_err(P->err, GW_E_FORMAT, "%s: %s has unknown value type %u", P->name, P->ctx, type);
    return rd_scalar(P, (int)type, kv);
}

static int rd_tensor_info(parser *P, int i) {
    gw_gguf *g = P->g;
    gw_tensor *t = &g->tensors[i];
    gw_gguf_str name;
    uint32_t ndim = 0, type = 0;
    snprintf(P->ctx, sizeof P->ctx, "tensor info %d", i);
    int rc = rd_str(P, GGUF_MAX_TENSOR_NAME, 0, &name);
    if (rc) return rc;
    if (name.len == 0) return gw_set_err(P->err, GW_E_FORMAT, "%s: %s has an empty name", P->name, P->ctx);
    t->name = name.s;
    snprintf(P->ctx, sizeof P->ctx, "tensor info %d ('%.100s')", i, name.s);
    if ((rc = rd_u32(P, &ndim))) return rc;
    if (ndim < 1 || ndim > GW_MAX_DIMS)
        return gw_set_err(P->err, GW_E_FORMAT, "%s: %s has %u dimensions (must be 1 to %d)",
                          P->name, P->ctx, ndim, GW_MAX_DIMS);
    t->ndim = (int)ndim;
    uint64_t nel = 1;
    for (int d = 0; d < GW_MAX_DIMS; d++) t->ne[d] = 1;
    for (uint32_t d = 0; d < ndim; d++) {
        uint64_t ne = 0;
        if ((rc = rd_u64(P, &ne))) return rc;
        if (ne == 0 || ne > (uint64_t)INT64_MAX / nel || ne * nel > ((uint64_t)1 << 50))
            return gw_set_err(P->err, GW_E_FORMAT, "%s: %s: dimension %u = %llu is zero or too large",
                              P->name, P->ctx, d, (unsigned long long)ne);
        nel *= ne;
        t->ne[d] = (int64_t)ne;
    }
    if ((rc = rd_u32(P, &type))) return rc;
    if (type >= GW_TYPE_COUNT || gw_type_block_size((int)type) <= 0)
        return gw_set_err(P->err, GW_E_UNSUPPORTED, "%s: tensor '%.100s' has unsupported type id %u",
                          P->name, name.s, type);
    t->type = (int)type;
    int bs = gw_type_block_size((int)type);
    if (t->ne[0] % bs != 0)
        return gw_set_err(P->err, GW_E_FORMAT,
                          "%s: %s: row length %lld is not a multiple of the %s block size %d",
                          P->name, P->ctx, (long long)t->ne[0], gw_type_name((int)type), bs);
    uint64_t row = gw_type_row_bytes((int)type, t->ne[0]);
    uint64_t rows = nel / (uint64_t)t->ne[0];
    if (row == 0 || rows > ((uint64_t)1 << 62) / row)
        return gw_set_err(P->err, GW_E_FORMAT, "%s: %s: size overflows", P->name, P->ctx);
    t->nbytes = (size_t)(row * rows);
    if ((uint64_t)t->nbytes != row * rows)
        return gw_set_err(P->err, GW_E_UNSUPPORTED, "%s: %s: %llu bytes do not fit this address space",
                          P->name, P->ctx, (unsigned long long)(row * rows));
    uint64_t off = 0;
    if ((rc = rd_u64(P, &off))) return rc;
    g->offsets[i] = off;
    t->data = NULL;
    return GW_OK;
}

typedef struct span { uint64_t off, end; int idx; } span;

static int cmp_span(const void *a, const void *b) {
    const span *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off ? 1 : 0;
}

static int cmp_tensor_name(const void *a, const void *b) {
    const gw_tensor *x = *(const gw_tensor *const *)a, *y = *(const gw_tensor *const *)b;
    return strcmp(x->name, y->name);
}

/* Alignment, offsets, overlaps, duplicate names; sets data_offset/size. */
static int check_layout(parser *P) {
    gw_gguf *g = P->g;
    int rc = GW_OK;
    int ka = gw_gguf_find_key(g, "general.alignment");
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    if (ka >= 0) {
        const gguf_kv *kv = &g->kv[ka];
        if (kv->type != GW_GGUF_UINT32)
            return gw_set_err(P->err, GW_E_FORMAT, "%s: general.alignment has type %s (must be u32)",
                              P->name, vtype_name(kv->type));
        uint64_t a = kv->v.u;
        if (a == 0 || (a & (a - 1)) || a > GGUF_MAX_ALIGNMENT)
            return gw_set_err(P->err, GW_E_FORMAT,
                              "%s: general.alignment = %llu is not a power of 2 up to %u",
                              P->name, (unsigned long long)a, GGUF_MAX_ALIGNMENT);
        g->alignment = (uint32_t)a;
    }
    g->data_offset = ((uint64_t)P->pos + g->alignment - 1) / g->alignment * g->alignment;

    int n = g->n_tensors;
    span *sp = malloc((size_t)(n ? n : 1) * sizeof *sp);
    if (!sp) return gw_set_err(P->err, GW_E_NOMEM, "%s: out of memory", P->name);
    for (int i = 0; i < n; i++) {
        const gw_tensor *t = &g->tensors[i];
        uint64_t off = g->offsets[i];
        if (off % g->alignment) {
            rc = gw_set_err(P->err, GW_E_FORMAT, "%s: tensor '%.100s' offset %llu is not a multiple of the alignment %u",
                            P->name, t->name, (unsigned long long)off, g->alignment);
            goto done;
        }
        if (off > ((uint64_t)1 << 62) || (uint64_t)t->nbytes > ((uint64_t)1 << 62) - off) {
            rc = gw_set_err(P->err, GW_E_FORMAT, "%s: tensor '%.100s' offset %llu is out of range",
                            P->name, t->name, (unsigned long long)off);
            goto done;
        }
        sp[i].off = off;
        sp[i].end = off + t->nbytes;
        sp[i].idx = i;
    }
    qsort(sp, (size_t)n, sizeof *sp, cmp_span);
    g->data_size = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && sp[i].off < sp[i - 1].end) {
            rc = gw_set_err(P->err, GW_E_FORMAT, "%s: tensors '%.100s' and '%.100s' overlap in the data section",
                            P->name, g->tensors[sp[i - 1].idx].name, g->tensors[sp[i].idx].name);
            goto done;
        }
        if (sp[i].end > g->data_size) g->data_size = sp[i].end;
    }
    for (int i = 0; i < n; i++) g->by_name[i] = &g->tensors[i];
    qsort(g->by_name, (size_t)n, sizeof *g->by_name, cmp_tensor_name);
    for (int i = 1; i < n; i++)
        if (!strcmp(g->by_name[i - 1]->name, g->by_name[i]->name)) {
            rc = gw_set_err(P->err, GW_E_FORMAT, "%s: duplicate tensor name '%.100s' (tensor infos %d and %d)",
                            P->name, g->by_name[i]->name, (int)(g->by_name[i - 1] - g->tensors),
                            (int)(g->by_name[i] - g->tensors));
            goto done;
        }
done:
    free(sp);
    return rc;
}

static int parse(parser *P) {
    gw_gguf *g = P->g;
    uint32_t version = 0;
    uint64_t n_tensors = 0, n_kv = 0;
    int rc;
    snprintf(P->ctx, sizeof P->ctx, "the GGUF header");
    if (!have(P, 4)) {
        /* still check what we have of the magic */
        if (memcmp(P->buf, GGUF_MAGIC, P->len))
            return gw_set_err(P->err, GW_E_FORMAT, "%s: not a GGUF file (bad magic)", P->name);
        return short_input(P, 4);
    }
    if (memcmp(P->buf, GGUF_MAGIC, 4))
        return gw_set_err(P->err, GW_E_FORMAT, "%s: not a GGUF file (magic %02x %02x %02x %02x, expected 'GGUF')",
                          P->name, P->buf[0], P->buf[1], P->buf[2], P->buf[3]);
    P->pos = 4;
    if ((rc = rd_u32(P, &version))) return rc;
    if (version == 1)
        return gw_set_err(P->err, GW_E_UNSUPPORTED, "%s: GGUF version 1 is not supported (only 2 and 3)", P->name);
    if (version == 0x02000000u || version == 0x03000000u)
        return gw_set_err(P->err, GW_E_UNSUPPORTED, "%s: big-endian GGUF is not supported", P->name);
    if (version != 2 && version != 3)
        return gw_set_err(P->err, GW_E_UNSUPPORTED, "%s: unknown GGUF version %u (supported: 2, 3)", P->name, version);
    g->version = version;
    if ((rc = rd_u64(P, &n_tensors)) || (rc = rd_u64(P, &n_kv))) return rc;
    if (n_tensors > GGUF_MAX_TENSORS)
        return gw_set_err(P->err, GW_E_FORMAT, "%s: tensor count %llu exceeds the limit %u",
                          P->name, (unsigned long long)n_tensors, GGUF_MAX_TENSORS);
    if (n_kv > GGUF_MAX_KV)
        return gw_set_err(P->err, GW_E_FORMAT, "%s: key-value count %llu exceeds the limit %u",
                          P->name, (unsigned long long)n_kv, GGUF_MAX_KV);
    /* A key-value takes at least 13 bytes and a tensor info 32: they must be
     * there before the tables are allocated. */
    snprintf(P->ctx, sizeof P->ctx, "the metadata (%llu key-values, %llu tensor infos)",
             (unsigned long long)n_kv, (unsigned long long)n_tensors);
    if (!have(P, n_kv * 13 + n_tensors * 32)) return short_input(P, n_kv * 13 + n_tensors * 32);

    g->kv = arena_alloc(&g->arena, (size_t)(n_kv ? n_kv : 1) * sizeof *g->kv);
    g->tensors = arena_alloc(&g->arena, (size_t)(n_tensors ? n_tensors : 1) * sizeof *g->tensors);
    g->offsets = arena_alloc(&g->arena, (size_t)(n_tensors ? n_tensors : 1) * sizeof *g->offsets);
    g->by_name = arena_alloc(&g->arena, (size_t)(n_tensors ? n_tensors : 1) * sizeof *g->by_name);
    if (!g->kv || !g->tensors || !g->offsets || !g->by_name)
        return gw_set_err(P->err, GW_E_NOMEM, "%s: out of memory", P->name);
    memset(g->kv, 0, (size_t)n_kv * sizeof *g->kv);
    memset(g->tensors, 0, (size_t)n_tensors * sizeof *g->tensors);
    for (int i = 0; i < (int)n_kv; i++) {
        if ((rc = rd_kv(P, i, &g->kv[i]))) return rc;
        g->n_kv = i + 1;
    }
    for (int i = 0; i < (int)n_tensors; i++) {
        if ((rc = rd_tensor_info(P, i))) return rc;
        g->n_tensors = i + 1;
    }
    return check_layout(P);
}

int gw_gguf_parse(const uint8_t *buf, size_t len, const char *name, gw_gguf **out,
                  size_t *need, gw_err *err) {
    if (out) *out = NULL;
    if (!name) name = "<buffer>";
    if (!out || (!buf && len))
        return gw_set_err(err, GW_E_INVALID, "%s: gw_gguf_parse: bad arguments", name);
    gw_gguf *g = calloc(1, sizeof *g);
    if (!g) return gw_set_err(err, GW_E_NOMEM, "%s: out of memory", name);
    size_t nl = strlen(name);
    char *nm = arena_alloc(&g->arena, nl + 1);
    if (!nm) { free(g); return gw_set_err(err, GW_E_NOMEM, "%s: out of memory", name); }
    memcpy(nm, name, nl + 1);
    g->name = nm;
    parser P = {buf ? buf : (const uint8_t *)"", len, 0, nm, {0}, g, err, need};
    int rc = parse(&P);
    if (rc) {
        gw_gguf_free(g);
        return rc;
    }
    *out = g;
    return GW_OK;
}

void gw_gguf_free(gw_gguf *g) {
    if (!g) return;
    free(g->own_data);
    arena_free(g->arena);
    free(g);
}

const char *gw_gguf_name(const gw_gguf *g) { return g ? g->name : ""; }
uint64_t gw_gguf_data_offset(const gw_gguf *g) { return g->data_offset; }
uint64_t gw_gguf_data_size(const gw_gguf *g) { return g->data_size; }

static void point_tensors(gw_gguf *g, uint8_t *base) {
    for (int i = 0; i < g->n_tensors; i++) g->tensors[i].data = base + g->offsets[i];
}

uint8_t *gw_gguf_alloc_data(gw_gguf *g, gw_err *err) {
    if ((uint64_t)(size_t)g->data_size != g->data_size || g->data_size > SIZE_MAX - 64) {
        gw_set_err(err, GW_E_NOMEM, "%s: tensor data of %llu bytes does not fit this address space",
                   g->name, (unsigned long long)g->data_size);
        return NULL;
    }
    free(g->own_data);
    g->own_data = malloc((size_t)g->data_size + 64);
    if (!g->own_data) {
        gw_set_err(err, GW_E_NOMEM, "%s: out of memory allocating %llu bytes of tensor data",
                   g->name, (unsigned long long)g->data_size);
        return NULL;
    }
    uint8_t *base = (uint8_t *)(((uintptr_t)g->own_data + 63) & ~(uintptr_t)63);
    point_tensors(g, base);
    return base;
}

int gw_gguf_attach_data(gw_gguf *g, const void *data, uint64_t size, gw_err *err) {
    if (!data && g->data_size)
        return gw_set_err(err, GW_E_INVALID, "%s: no data block given", g->name);
    if (size < g->data_size)
        return gw_set_err(err, GW_E_FORMAT, "%s: data block of %llu bytes is shorter than the %llu bytes the tensors need",
                          g->name, (unsigned long long)size, (unsigned long long)g->data_size);
    free(g->own_data);
    g->own_data = NULL;
    point_tensors(g, (uint8_t *)(uintptr_t)data);
    return GW_OK;
}

/* ---- metadata ------------------------------------------------------------ */
int gw_gguf_n_kv(const gw_gguf *g) { return g->n_kv; }
const char *gw_gguf_kv_key(const gw_gguf *g, int i) { return i >= 0 && i < g->n_kv ? g->kv[i].key : NULL; }
int gw_gguf_kv_type(const gw_gguf *g, int i) { return i >= 0 && i < g->n_kv ? g->kv[i].type : -1; }

int gw_gguf_find_key(const gw_gguf *g, const char *key) {
    for (int i = 0; i < g->n_kv; i++)
        if (!strcmp(g->kv[i].key, key)) return i;
    return -1;
}

static const gguf_kv *get_kv(const gw_gguf *g, const char *key, int *rc, gw_err *err) {
    int i = gw_gguf_find_key(g, key);
    if (i < 0) {
        *rc = gw_set_err(err, GW_E_NOT_FOUND, "%s: key '%s' not found", g->name, key);
        return NULL;
    }
    *rc = GW_OK;
    return &g->kv[i];
}

static int is_signed_int(int t) {
    return t == GW_GGUF_INT8 || t == GW_GGUF_INT16 || t == GW_GGUF_INT32 || t == GW_GGUF_INT64;
}
static int is_unsigned_int(int t) {
    return t == GW_GGUF_UINT8 || t == GW_GGUF_UINT16 || t == GW_GGUF_UINT32 || t == GW_GGUF_UINT64;
}

static int wrong_type(const gw_gguf *g, const char *key, int type, const char *want, gw_err *err) {
    return gw_set_err(err, GW_E_FORMAT, "%s: key '%s' has type %s, expected %s", g->name, key,
                      vtype_name(type), want);
}

int gw_gguf_get_u32(const gw_gguf *g, const char *key, uint32_t *out, gw_err *err) {
    int rc;
    const gguf_kv *kv = get_kv(g, key, &rc, err);
    if (!kv) return rc;
    if (is_unsigned_int(kv->type) && kv->v.u <= UINT32_MAX) { *out = (uint32_t)kv->v.u; return GW_OK; }
    if (is_signed_int(kv->type) && kv->v.i >= 0 && kv->v.i <= (int64_t)UINT32_MAX) {
        *out = (uint32_t)kv->v.i;
        return GW_OK;
    }
    if (is_unsigned_int(kv->type) || is_signed_int(kv->type))
        return gw_set_err(err, GW_E_FORMAT, "%s: key '%s' = %lld is out of range for u32", g->name, key,
                          is_signed_int(kv->type) ? (long long)kv->v.i : (long long)kv->v.u);
    return wrong_type(g, key, kv->type, "an integer", err);
}

int gw_gguf_get_i64(const gw_gguf *g, const char *key, int64_t *out, gw_err *err) {
    int rc;
    const gguf_kv *kv = get_kv(g, key, &rc, err);
    if (!kv) return rc;
    if (is_signed_int(kv->type)) { *out = kv->v.i; return GW_OK; }
    if (is_unsigned_int(kv->type)) {
        if (kv->v.u > (uint64_t)INT64_MAX)
            return gw_set_err(err, GW_E_FORMAT, "%s: key '%s' = %llu is out of range for i64", g->name, key,
                              (unsigned long long)kv->v.u);
        *out = (int64_t)kv->v.u;
        return GW_OK;
    }
    return wrong_type(g, key, kv->type, "an integer", err);
}

int gw_gguf_get_f32(const gw_gguf *g, const char *key, float *out, gw_err *err) {
    int rc;
    const gguf_kv *kv = get_kv(g, key, &rc, err);
    if (!kv) return rc;
    if (kv->type != GW_GGUF_FLOAT32 && kv->type != GW_GGUF_FLOAT64)
        return wrong_type(g, key, kv->type, "f32", err);
    *out = (float)kv->v.f;
    return GW_OK;
}

int gw_gguf_get_bool(const gw_gguf *g, const char *key, int *out, gw_err *err) {
    int rc;
    const gguf_kv *kv = get_kv(g, key, &rc, err);
    if (!kv) return rc;
    if (kv->type != GW_GGUF_BOOL) return wrong_type(g, key, kv->type, "bool", err);
    *out = kv->v.u != 0;
    return GW_OK;
}

int gw_gguf_get_str(const gw_gguf *g, const char *key, gw_gguf_str *out, gw_err *err) {
    int rc;
    const gguf_kv *kv = get_kv(g, key, &rc, err);
    if (!kv) return rc;
    if (kv->type != GW_GGUF_STRING) return wrong_type(g, key, kv->type, "string", err);
    *out = kv->s;
    return GW_OK;
}

int gw_gguf_get_arr(const gw_gguf *g, const char *key, int *elem_type, uint64_t *n,
                    const void **data, gw_err *err) {
    int rc;
    const gguf_kv *kv = get_kv(g, key, &rc, err);
    if (!kv) return rc;
    if (kv->type != GW_GGUF_ARRAY) return wrong_type(g, key, kv->type, "array", err);
    if (elem_type) *elem_type = kv->arr_type;
    if (n) *n = kv->arr_n;
    if (data) *data = kv->arr;
    return GW_OK;
}

/* ---- tensors ------------------------------------------------------------- */
int gw_gguf_n_tensors(const gw_gguf *g) { return g->n_tensors; }
const gw_tensor *gw_gguf_tensor(const gw_gguf *g, int i) {
    return i >= 0 && i < g->n_tensors ? &g->tensors[i] : NULL;
}
uint64_t gw_gguf_tensor_offset(const gw_gguf *g, int i) {
    return i >= 0 && i < g->n_tensors ? g->offsets[i] : 0;
}

const gw_tensor *gw_gguf_find_tensor(const gw_gguf *g, const char *name) {
    int lo = 0, hi = g->n_tensors - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(g->by_name[mid]->name, name);
        if (c == 0) return g->by_name[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}
