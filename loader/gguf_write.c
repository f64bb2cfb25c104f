/* gguf_write.c — the GGUF v3 writer (see gguf.h): metadata and tensors are
 * collected in memory, then written as one file or as llama.cpp-style splits
 * (no tensor cut across two files; metadata in the first split; split.no,
 * split.count, split.tensors.count in every split, typed u16/u16/i32 as
 * llama.cpp reads them). Every file is written under a temporary name and
 * renamed only when all of them are complete. Alignment: 32 bytes.
 * Tensor data is kept in an anonymous temporary file (tmpfile) rather than in
 * memory, so converting a model needs little more memory than its largest
 * tensor; where no temporary file can be made, it is kept in memory. */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "gguf.h"

#define ALIGN 32

typedef struct wbuf { uint8_t *p; size_t len, cap; int oom; } wbuf;

static void wb_put(wbuf *b, const void *src, size_t n) {
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n) cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) { b->oom = 1; return; }
        b->p = np;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, src, n);
    b->len += n;
}
static void wb_le(wbuf *b, uint64_t v, int n) {
    uint8_t x[8];
    for (int i = 0; i < n; i++) x[i] = (uint8_t)(v >> (8 * i));
    wb_put(b, x, (size_t)n);
}
static void wb_str(wbuf *b, const char *s, uint64_t n) { wb_le(b, n, 8); wb_put(b, s, (size_t)n); }

typedef struct wkv { char *key; wbuf val; /* type u32 + payload */ } wkv;
typedef struct wtensor {
    char *name;
    int type, ndim;
    int64_t ne[GW_MAX_DIMS];
    void *data;         /* in memory, or NULL: at spill_off in the spill file */
    uint64_t spill_off;
    size_t nbytes;
} wtensor;

struct gw_gguf_writer {
    int oom; /* a setter ran out of memory: writing fails */
    int n_kv, cap_kv;
    wkv *kv;
    int n_t, cap_t;
    wtensor *t;
    FILE *spill; /* tensor data (tmpfile), or NULL */
    uint64_t spill_len;
    int spill_tried;
};

int gw_gguf_writer_new(gw_gguf_writer **out, gw_err *err) {
    *out = calloc(1, sizeof **out);
    return *out ? GW_OK : gw_set_err(err, GW_E_NOMEM, "out of memory");
}

void gw_gguf_writer_free(gw_gguf_writer *w) {
    if (!w) return;
    for (int i = 0; i < w->n_kv; i++) { free(w->kv[i].key); free(w->kv[i].val.p); }
    for (int i = 0; i < w->n_t; i++) { free(w->t[i].name); free(w->t[i].data); }
    if (w->spill) fclose(w->spill);
    free(w->kv);
    free(w->t);
    free(w);
}

/* The value buffer for key (replacing an earlier value), or NULL on OOM. */
static wbuf *kv_slot(gw_gguf_writer *w, const char *key, int type) {
    wkv *kv = NULL;
    for (int i = 0; i < w->n_kv; i++)
        if (!strcmp(w->kv[i].key, key)) kv = &w->kv[i];
    if (kv) {
        kv->val.len = 0;
    } else {
        if (w->n_kv == w->cap_kv) {
            int cap = w->cap_kv ? w->cap_kv * 2 : 32;
            wkv *n = realloc(w->kv, (size_t)cap * sizeof *n);
            if (!n) return NULL;
            w->kv = n;
            w->cap_kv = cap;
        }
        kv = &w->kv[w->n_kv];
        memset(kv, 0, sizeof *kv);
        if (!(kv->key = malloc(strlen(key) + 1))) return NULL;
        strcpy(kv->key, key);
        w->n_kv++;
    }
    wb_le(&kv->val, (uint64_t)type, 4);
    return &kv->val;
}

static int kv_done(gw_gguf_writer *w, wbuf *b) {
    if (b && !b->oom) return GW_OK;
    w->oom = 1;
    return GW_E_NOMEM;
}

static int set_scalar(gw_gguf_writer *w, const char *key, int type, uint64_t v, int n) {
    wbuf *b = kv_slot(w, key, type);
    if (b) wb_le(b, v, n);
    return kv_done(w, b);
}
int gw_gguf_writer_set_u32(gw_gguf_writer *w, const char *key, uint32_t v) { return set_scalar(w, key, GW_GGUF_UINT32, v, 4); }
int gw_gguf_writer_set_i32(gw_gguf_writer *w, const char *key, int32_t v) { return set_scalar(w, key, GW_GGUF_INT32, (uint32_t)v, 4); }
int gw_gguf_writer_set_f32(gw_gguf_writer *w, const char *key, float v) { return set_scalar(w, key, GW_GGUF_FLOAT32, gw_bits_from_f32(v), 4); }
int gw_gguf_writer_set_bool(gw_gguf_writer *w, const char *key, int v) { return set_scalar(w, key, GW_GGUF_BOOL, v != 0, 1); }
int gw_gguf_writer_set_str(gw_gguf_writer *w, const char *key, const char *v) {
    wbuf *b = kv_slot(w, key, GW_GGUF_STRING);
    if (b) wb_str(b, v, strlen(v));
    return kv_done(w, b);
}

static int vsize(int t) {
    switch (t) {
    case GW_GGUF_UINT8: case GW_GGUF_INT8: case GW_GGUF_BOOL: return 1;
    case GW_GGUF_UINT16: case GW_GGUF_INT16: return 2;
    case GW_GGUF_UINT32: case GW_GGUF_INT32: case GW_GGUF_FLOAT32: return 4;
    case GW_GGUF_UINT64: case GW_GGUF_INT64: case GW_GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

int gw_gguf_writer_set_arr(gw_gguf_writer *w, const char *key, int elem_type, const void *data, uint64_t n) {
    int es = vsize(elem_type);
    if (!es) { w->oom = 1; return GW_E_INVALID; }
    wbuf *b = kv_slot(w, key, GW_GGUF_ARRAY);
    if (b) {
        wb_le(b, (uint64_t)elem_type, 4);
        wb_le(b, n, 8);
        wb_put(b, data, (size_t)(n * (uint64_t)es)); /* values are already little-endian */
    }
    return kv_done(w, b);
}

int gw_gguf_writer_set_arr_str(gw_gguf_writer *w, const char *key, const char *const *strs,
                               const uint64_t *lens, uint64_t n) {
    wbuf *b = kv_slot(w, key, GW_GGUF_ARRAY);
    if (b) {
        wb_le(b, GW_GGUF_STRING, 4);
        wb_le(b, n, 8);
        for (uint64_t i = 0; i < n; i++) wb_str(b, strs[i], lens ? lens[i] : strlen(strs[i]));
    }
    return kv_done(w, b);
}

int gw_gguf_writer_add_tensor(gw_gguf_writer *w, const char *name, int type, int ndim,
                              const int64_t *ne, const void *data, size_t nbytes) {
    if (ndim < 1 || ndim > GW_MAX_DIMS || gw_type_block_size(type) <= 0) return GW_E_INVALID;
    int64_t rows = 1;
    for (int d = 1; d < ndim; d++) rows *= ne[d];
    size_t row = gw_type_row_bytes(type, ne[0]);
    if (!row || row * (size_t)rows != nbytes) return GW_E_INVALID;
    for (int i = 0; i < w->n_t; i++)
        if (!strcmp(w->t[i].name, name)) return GW_E_INVALID;
    if (w->n_t == w->cap_t) {
        int cap = w->cap_t ? w->cap_t * 2 : 64;
        wtensor *n = realloc(w->t, (size_t)cap * sizeof *n);
        if (!n) return GW_E_NOMEM;
        w->t = n;
        w->cap_t = cap;
    }
    wtensor *t = &w->t[w->n_t];
    memset(t, 0, sizeof *t);
    t->name = malloc(strlen(name) + 1);
    if (!t->name) return GW_E_NOMEM;
    strcpy(t->name, name);
    if (!w->spill && !w->spill_tried) {
        w->spill_tried = 1;
        w->spill = tmpfile();
    }
    if (w->spill && fseeko(w->spill, (off_t)w->spill_len, SEEK_SET) == 0 &&
        fwrite(data, 1, nbytes, w->spill) == nbytes) {
        t->spill_off = w->spill_len;
        w->spill_len += nbytes;
    } else {
        t->data = malloc(nbytes ? nbytes : 1);
        if (!t->data) { free(t->name); return GW_E_NOMEM; }
        memcpy(t->data, data, nbytes);
    }
    t->type = type;
    t->ndim = ndim;
    for (int d = 0; d < GW_MAX_DIMS; d++) t->ne[d] = d < ndim ? ne[d] : 1;
    t->nbytes = nbytes;
    w->n_t++;
    return GW_OK;
}

static uint64_t pad_to(uint64_t x) { return (x + ALIGN - 1) / ALIGN * ALIGN; }

/* Writes tensors [t0, t1) with the given extra split keys into f. */
static int write_one(const gw_gguf_writer *w, FILE *f, const char *path, int t0, int t1, int with_meta,
                     int split_no, int n_splits, gw_err *err) {
    wbuf h = {0};
    int n_kv = (with_meta ? w->n_kv : 0) + (n_splits > 1 ? 3 : 0);
    int has_align = 0;
    if (with_meta)
        for (int i = 0; i < w->n_kv; i++) has_align |= !strcmp(w->kv[i].key, "general.alignment");
    if (!has_align) n_kv++;
    wb_put(&h, "GGUF", 4);
    wb_le(&h, 3, 4);
    wb_le(&h, (uint64_t)(t1 - t0), 8);
    wb_le(&h, (uint64_t)n_kv, 8);
    if (!has_align) { wb_str(&h, "general.alignment", 17); wb_le(&h, GW_GGUF_UINT32, 4); wb_le(&h, ALIGN, 4); }
    if (with_meta)
        for (int i = 0; i < w->n_kv; i++) {
            wb_str(&h, w->kv[i].key, strlen(w->kv[i].key));
            wb_put(&h, w->kv[i].val.p, w->kv[i].val.len);
        }
    if (n_splits > 1) {
        wb_str(&h, "split.no", 8); wb_le(&h, GW_GGUF_UINT16, 4); wb_le(&h, (uint64_t)split_no, 2);
        wb_str(&h, "split.count", 11); wb_le(&h, GW_GGUF_UINT16, 4); wb_le(&h, (uint64_t)n_splits, 2);
        wb_str(&h, "split.tensors.count", 19); wb_le(&h, GW_GGUF_INT32, 4); wb_le(&h, (uint64_t)w->n_t, 4);
    }
    uint64_t off = 0;
    for (int i = t0; i < t1; i++) {
        const wtensor *t = &w->t[i];
        wb_str(&h, t->name, strlen(t->name));
        wb_le(&h, (uint64_t)t->ndim, 4);
        for (int d = 0; d < t->ndim; d++) wb_le(&h, (uint64_t)t->ne[d], 8);
        wb_le(&h, (uint64_t)t->type, 4);
        wb_le(&h, off, 8);
        off = pad_to(off + t->nbytes);
    }
    static const uint8_t zeros[ALIGN];
    wb_put(&h, zeros, (size_t)(pad_to(h.len) - h.len));
    if (h.oom) { free(h.p); return gw_set_err(err, GW_E_NOMEM, "%s: out of memory", path); }
    int ok = fwrite(h.p, 1, h.len, f) == h.len;
    free(h.p);
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = NULL;
    for (int i = t0; i < t1 && ok; i++) {
        const wtensor *t = &w->t[i];
        if (t->data) {
            ok = fwrite(t->data, 1, t->nbytes, f) == t->nbytes;
        } else {
            if (!buf && !(buf = malloc(CHUNK))) return gw_set_err(err, GW_E_NOMEM, "%s: out of memory", path);
            ok = fseeko(w->spill, (off_t)t->spill_off, SEEK_SET) == 0;
            for (size_t done = 0; ok && done < t->nbytes;) {
                size_t n = t->nbytes - done < CHUNK ? t->nbytes - done : CHUNK;
                ok = fread(buf, 1, n, w->spill) == n && fwrite(buf, 1, n, f) == n;
                done += n;
            }
        }
        size_t pad = (size_t)(pad_to(t->nbytes) - t->nbytes);
        if (ok && pad) ok = fwrite(zeros, 1, pad, f) == pad;
    }
    free(buf);
    if (!ok) return gw_set_err(err, GW_E_IO, "%s: write failed: %s", path, strerror(errno));
    return GW_OK;
}

int gw_gguf_writer_write(gw_gguf_writer *w, const char *path, uint64_t split_max_bytes, int *n_files,
                         gw_err *err) {
    if (n_files) *n_files = 0;
    if (w->oom) return gw_set_err(err, GW_E_NOMEM, "%s: a metadata value could not be stored (out of memory or an invalid array type)", path);
    /* plan: split k holds tensors [first[k], first[k+1]) */
    int *first = malloc((size_t)(w->n_t + 2) * sizeof *first);
    if (!first) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    int n = 0;
    uint64_t cur = 0;
    first[n++] = 0;
    for (int i = 0; i < w->n_t; i++) {
        uint64_t sz = pad_to(w->t[i].nbytes);
        if (split_max_bytes && cur > 0 && cur + sz > split_max_bytes) {
            first[n++] = i;
            cur = 0;
        }
        cur += sz;
    }
    first[n] = w->n_t;
    if (n > 99999) { free(first); return gw_set_err(err, GW_E_INVALID, "%s: more than 99999 splits", path); }

    size_t plen = strlen(path);
    size_t cap = plen + 64;
    char *prefix = malloc(cap), *names = malloc((size_t)n * cap), *tmp = malloc(cap + 8);
    int rc = GW_OK, written = 0;
    if (!prefix || !names || !tmp) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
    memcpy(prefix, path, plen + 1);
    if (plen > 5 && !strcmp(path + plen - 5, ".gguf")) prefix[plen - 5] = 0;
    for (int k = 0; k < n; k++) {
        char *nm = names + (size_t)k * cap;
        if (n == 1) snprintf(nm, cap, "%s", path);
        else gw_split_make_name(nm, cap, prefix, k + 1, n);
    }
    for (int k = 0; k < n && !rc; k++) {
        const char *nm = names + (size_t)k * cap;
        snprintf(tmp, cap + 8, "%s.tmp", nm);
        FILE *f = fopen(tmp, "wb");
        if (!f) { rc = gw_set_err(err, GW_E_IO, "%s: cannot create: %s", tmp, strerror(errno)); break; }
        written = k + 1;
        rc = write_one(w, f, nm, first[k], first[k + 1], k == 0, k, n, err);
        if (fclose(f) && !rc) rc = gw_set_err(err, GW_E_IO, "%s: write failed: %s", tmp, strerror(errno));
    }
    for (int k = 0; k < written; k++) { /* all complete: rename; else remove */
        const char *nm = names + (size_t)k * cap;
        snprintf(tmp, cap + 8, "%s.tmp", nm);
        if (rc) remove(tmp);
        else if (rename(tmp, nm)) rc = gw_set_err(err, GW_E_IO, "%s: cannot rename from %s: %s", nm, tmp, strerror(errno));
    }
    if (!rc && n_files) *n_files = n;
done:
    free(first);
    free(prefix);
    free(names);
    free(tmp);
    return rc;
}
