/* safetensors.c — hostile-input parser for safetensors headers (see
 * safetensors.h): the JSON header goes through core/json.c; every entry's
 * dtype, shape and data_offsets are validated (sizes agree with the shape,
 * offsets inside the file, no two tensors overlap, names unique). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "safetensors.h"

struct gw_safetensors {
    char *name;
    int n;
    gw_st_tensor *t;       /* sorted by name */
    char *names;           /* all names, NUL-separated */
};

static const struct { const char *name; int size; int type; } dtypes[GW_ST_DTYPE_COUNT] = {
    [GW_ST_F32] = {"F32", 4, GW_TYPE_F32},   [GW_ST_F16] = {"F16", 2, GW_TYPE_F16},
    [GW_ST_BF16] = {"BF16", 2, GW_TYPE_BF16}, [GW_ST_F64] = {"F64", 8, -1},
    [GW_ST_I64] = {"I64", 8, -1},            [GW_ST_I32] = {"I32", 4, -1},
    [GW_ST_I16] = {"I16", 2, -1},            [GW_ST_I8] = {"I8", 1, -1},
    [GW_ST_U8] = {"U8", 1, -1},              [GW_ST_BOOL] = {"BOOL", 1, -1},
    [GW_ST_F8_E4M3] = {"F8_E4M3", 1, -1},    [GW_ST_F8_E5M2] = {"F8_E5M2", 1, -1},
    [GW_ST_U16] = {"U16", 2, -1},            [GW_ST_U32] = {"U32", 4, -1},
    [GW_ST_U64] = {"U64", 8, -1},
};

const char *gw_st_dtype_name(int d) { return d >= 0 && d < GW_ST_DTYPE_COUNT ? dtypes[d].name : "?"; }
int gw_st_dtype_size(int d) { return d >= 0 && d < GW_ST_DTYPE_COUNT ? dtypes[d].size : 0; }
int gw_st_dtype_type(int d) { return d >= 0 && d < GW_ST_DTYPE_COUNT ? dtypes[d].type : -1; }

int gw_st_to_f32(int dtype, const void *src, float *dst, int64_t n) {
    const uint8_t *p = src;
    switch (dtype) {
    case GW_ST_F32: memcpy(dst, src, (size_t)n * 4); return GW_OK;
    case GW_ST_F16:
        for (int64_t i = 0; i < n; i++) dst[i] = gw_f16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        return GW_OK;
    case GW_ST_BF16:
        for (int64_t i = 0; i < n; i++) dst[i] = gw_bf16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        return GW_OK;
    default: return GW_E_UNSUPPORTED;
    }
}

void gw_safetensors_free(gw_safetensors *st) {
    if (!st) return;
    free(st->name);
    free(st->t);
    free(st->names);
    free(st);
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(((const gw_st_tensor *)a)->name, ((const gw_st_tensor *)b)->name);
}
static int cmp_offset(const void *a, const void *b) {
    const gw_st_tensor *x = *(const gw_st_tensor *const *)a, *y = *(const gw_st_tensor *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset ? 1 : 0;
}

/* A JSON number that is a non-negative integer below 2^53. */
static int json_uint(const gw_json *v, uint64_t *out) {
    if (gw_json_kind_of(v) != GW_JSON_NUMBER) return 0;
    double d = gw_json_num(v);
    if (!(d >= 0) || d > 9007199254740992.0 || floor(d) != d) return 0;
    *out = (uint64_t)d;
    return 1;
}

static int parse_entry(gw_safetensors *st, const char *key, const gw_json *v, uint64_t data_start,
                       uint64_t file_size, gw_st_tensor *t, gw_err *err) {
    const char *nm = st->name;
    if (gw_json_kind_of(v) != GW_JSON_OBJECT)
        return gw_set_err(err, GW_E_FORMAT, "%s: tensor '%.200s': entry is not an object", nm, key);
    const gw_json *dt = gw_json_get(v, "dtype"), *sh = gw_json_get(v, "shape"),
                  *off = gw_json_get(v, "data_offsets");
    const char *dts = dt ? gw_json_str(dt, NULL) : NULL;
    if (!dts) return gw_set_err(err, GW_E_FORMAT, "%s: tensor '%.200s': missing or non-string dtype", nm, key);
    t->dtype = -1;
    for (int i = 0; i < GW_ST_DTYPE_COUNT; i++)
        if (!strcmp(dts, dtypes[i].name)) t->dtype = i;
    if (t->dtype < 0)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: tensor '%.200s': unknown dtype '%.40s'", nm, key, dts);
    if (!sh || gw_json_kind_of(sh) != GW_JSON_ARRAY)
        return gw_set_err(err, GW_E_FORMAT, "%s: tensor '%.200s': missing or non-array shape", nm, key);
    size_t nd = gw_json_len(sh);
    if (nd > GW_MAX_DIMS)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: tensor '%.200s' has %zu dimensions (max %d)", nm, key, nd, GW_MAX_DIMS);
    t->ndim = (int)nd;
    uint64_t nel = 1;
    for (int d = 0; d < GW_MAX_DIMS; d++) t->shape[d] = 1;
    for (size_t d = 0; d < nd; d++) {
        uint64_t x;
        if (!json_uint(gw_json_at(sh, d), &x) || x > ((uint64_t)1 << 48))
            return gw_set_err(err, GW_E_FORMAT, "%s: tensor '%.200s': shape dimension %zu is not a valid size", nm, key, d);
        if (x && nel > ((uint64_t)1 << 48) / x)
            return gw_set_err(err, GW_E_FORMAT, "%s: tensor '%.200s': shape is too large", nm, key);
        nel *= x;
        t->shape[d] = (int64_t)x;
    }
    uint64_t b, e;
    if (!off || gw_json_kind_of(off) != GW_JSON_ARRAY || gw_json_len(off) != 2 ||
        !json_uint(gw_json_at(off, 0), &b) || !json_uint(gw_json_at(off, 1), &e) || b > e)
        return gw_set_err(err, GW_E_FORMAT, "%s: tensor '%.200s': data_offsets must be [begin, end] with begin <= end",
                          nm, key);
    uint64_t want = nel * (uint64_t)dtypes[t->dtype].size;
    if (e - b != want)
        return gw_set_err(err, GW_E_FORMAT,
                          "%s: tensor '%.200s': data_offsets span %llu bytes but shape and dtype %s need %llu",
                          nm, key, (unsigned long long)(e - b), dtypes[t->dtype].name, (unsigned long long)want);
    if (e > file_size - data_start)
        return gw_set_err(err, GW_E_FORMAT,
                          "%s: tensor '%.200s': data ends at byte %llu, past the end of the file (%llu bytes)",
                          nm, key, (unsigned long long)(data_start + e), (unsigned long long)file_size);
    t->offset = data_start + b;
    t->nbytes = want;
    return GW_OK;
}

int gw_safetensors_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *name,
                         gw_safetensors **out, size_t *need, gw_err *err) {
    if (!name) name = "<safetensors>";
    *out = NULL;
    if (len > file_size) file_size = len;
    if (file_size < 8)
        return gw_set_err(err, GW_E_FORMAT, "%s: not a safetensors file: %llu bytes is shorter than the 8-byte header length",
                          name, (unsigned long long)file_size);
    if (len < 8) {
        if (need) *need = 8;
        return gw_set_err(err, GW_E_NEED_MORE, "%s: need the first 8 bytes", name);
    }
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | buf[i];
    if (hl > GW_ST_MAX_HEADER || hl < 2)
        return gw_set_err(err, GW_E_FORMAT, "%s: not a safetensors file: header length %llu is out of range (2 to %llu)",
                          name, (unsigned long long)hl, (unsigned long long)GW_ST_MAX_HEADER);
    if (hl > file_size - 8)
        return gw_set_err(err, GW_E_FORMAT, "%s: truncated: the header claims %llu bytes but the file has %llu",
                          name, (unsigned long long)hl, (unsigned long long)(file_size - 8));
    if (len - 8 < hl) {
        if (need) *need = (size_t)(8 + hl);
        return gw_set_err(err, GW_E_NEED_MORE, "%s: need %llu header bytes", name, (unsigned long long)(8 + hl));
    }
    if (buf[8] != '{')
        return gw_set_err(err, GW_E_FORMAT, "%s: not a safetensors file: the header does not start with '{'", name);
    gw_json_doc *doc = NULL;
    int rc = gw_json_parse((const char *)buf + 8, (size_t)hl, name, &doc, err);
    if (rc) return rc;
    const gw_json *root = gw_json_root(doc);
    gw_safetensors *st = calloc(1, sizeof *st);
    gw_st_tensor **byoff = NULL;
    if (!st) { rc = gw_set_err(err, GW_E_NOMEM, "%s: out of memory", name); goto fail; }
    st->name = malloc(strlen(name) + 1);
    if (!st->name) { rc = gw_set_err(err, GW_E_NOMEM, "%s: out of memory", name); goto fail; }
    strcpy(st->name, name);
    if (gw_json_kind_of(root) != GW_JSON_OBJECT) {
        rc = gw_set_err(err, GW_E_FORMAT, "%s: the header is not a JSON object", name);
        goto fail;
    }
    size_t nm = gw_json_len(root), names_len = 0;
    for (size_t i = 0; i < nm; i++) names_len += strlen(gw_json_key_at(root, i)) + 1;
    st->t = calloc(nm ? nm : 1, sizeof *st->t);
    st->names = malloc(names_len ? names_len : 1);
    if (!st->t || !st->names) { rc = gw_set_err(err, GW_E_NOMEM, "%s: out of memory", name); goto fail; }
    char *np = st->names;
    uint64_t data_start = 8 + hl;
    for (size_t i = 0; i < nm; i++) {
        const char *k = gw_json_key_at(root, i);
        const gw_json *v = gw_json_val_at(root, i);
        if (!strcmp(k, "__metadata__")) {
            if (gw_json_kind_of(v) != GW_JSON_OBJECT) {
                rc = gw_set_err(err, GW_E_FORMAT, "%s: __metadata__ is not an object", name);
                goto fail;
            }
            continue;
        }
        if (!*k) { rc = gw_set_err(err, GW_E_FORMAT, "%s: a tensor has an empty name", name); goto fail; }
        gw_st_tensor *t = &st->t[st->n];
        if ((rc = parse_entry(st, k, v, data_start, file_size, t, err))) goto fail;
        size_t kl = strlen(k) + 1;
        memcpy(np, k, kl);
        t->name = np;
        np += kl;
        st->n++;
    }
    qsort(st->t, (size_t)st->n, sizeof *st->t, cmp_name);
    for (int i = 1; i < st->n; i++)
        if (!strcmp(st->t[i - 1].name, st->t[i].name)) {
            rc = gw_set_err(err, GW_E_FORMAT, "%s: tensor '%.200s' appears twice in the header", name, st->t[i].name);
            goto fail;
        }
    byoff = malloc((size_t)(st->n ? st->n : 1) * sizeof *byoff);
    if (!byoff) { rc = gw_set_err(err, GW_E_NOMEM, "%s: out of memory", name); goto fail; }
    for (int i = 0; i < st->n; i++) byoff[i] = &st->t[i];
    qsort(byoff, (size_t)st->n, sizeof *byoff, cmp_offset);
    for (int i = 1; i < st->n; i++)
        if (byoff[i]->nbytes && byoff[i - 1]->offset + byoff[i - 1]->nbytes > byoff[i]->offset) {
            rc = gw_set_err(err, GW_E_FORMAT, "%s: tensors '%.200s' and '%.200s' overlap in the data", name,
                            byoff[i - 1]->name, byoff[i]->name);
            goto fail;
        }
    free(byoff);
    gw_json_doc_free(doc);
    *out = st;
    return GW_OK;
fail:
    free(byoff);
    gw_json_doc_free(doc);
    gw_safetensors_free(st);
    return rc;
}

int gw_safetensors_n_tensors(const gw_safetensors *st) { return st->n; }
const gw_st_tensor *gw_safetensors_tensor(const gw_safetensors *st, int i) {
    return i >= 0 && i < st->n ? &st->t[i] : NULL;
}
const char *gw_safetensors_name(const gw_safetensors *st) { return st->name; }

const gw_st_tensor *gw_safetensors_find(const gw_safetensors *st, const char *name) {
    int lo = 0, hi = st->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(st->t[mid].name, name);
        if (c == 0) return &st->t[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}
