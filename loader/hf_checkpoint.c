/* hf_checkpoint.c — reading a Hugging Face checkpoint directory (see
 * hf_checkpoint.h): config.json, then either model.safetensors or the shards
 * named by model.safetensors.index.json; each shard's header is parsed and
 * checked, and every tensor the index lists must be in its shard. */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "hf_checkpoint.h"

#define MAX_JSON_FILE ((long long)64 << 20)
#define MAX_SHARDS 4096

struct gw_hf {
    char *dir;
    gw_json_doc *config;
    const gw_json *text_config;
    int n_files;
    char **paths;
    gw_safetensors **st;
    int n;
    gw_hf_tensor *t; /* sorted by name */
};

static char *join_path(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    size_t k = a;
    if (a && dir[a - 1] != '/') p[k++] = '/';
    memcpy(p + k, name, b + 1);
    return p;
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

static int open_err(const char *path, int e, gw_err *err) {
    return gw_set_err(err, e == ENOENT ? GW_E_NOT_FOUND : GW_E_IO, "%s: cannot open: %s", path, strerror(e));
}

static int file_size(FILE *f, const char *path, uint64_t *out, gw_err *err) {
    off_t end = -1;
    if (fseeko(f, 0, SEEK_END) == 0) end = ftello(f);
    if (end < 0 || fseeko(f, 0, SEEK_SET))
        return gw_set_err(err, GW_E_IO, "%s: cannot determine the file size: %s", path, strerror(errno));
    *out = (uint64_t)end;
    return GW_OK;
}

/* Reads a whole (small) file and parses it as JSON. */
static int read_json(const char *path, gw_json_doc **out, gw_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return open_err(path, errno, err);
    uint64_t size = 0;
    int rc = file_size(f, path, &size, err);
    char *buf = NULL;
    if (!rc && size > (uint64_t)MAX_JSON_FILE)
        rc = gw_set_err(err, GW_E_FORMAT, "%s: %llu bytes is too large for a JSON file here", path, (unsigned long long)size);
    if (!rc && !(buf = malloc((size_t)size + 1))) rc = gw_set_err(err, GW_E_NOMEM, "%s: out of memory", path);
    if (!rc && fread(buf, 1, (size_t)size, f) != (size_t)size)
        rc = gw_set_err(err, GW_E_IO, "%s: read error", path);
    fclose(f);
    if (!rc) rc = gw_json_parse(buf, (size_t)size, path, out, err);
    free(buf);
    return rc;
}

static int open_safetensors(const char *path, gw_safetensors **out, gw_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return open_err(path, errno, err);
    uint64_t size = 0;
    int rc = file_size(f, path, &size, err);
    uint8_t *buf = NULL;
    size_t len = 0, want = 8;
    while (!rc) {
        if (want > size) want = (size_t)size;
        uint8_t *nb = realloc(buf, want ? want : 1);
        if (!nb) { rc = gw_set_err(err, GW_E_NOMEM, "%s: out of memory", path); break; }
        buf = nb;
        if (fread(buf + len, 1, want - len, f) != want - len) {
            rc = gw_set_err(err, GW_E_IO, "%s: read error", path);
            break;
        }
        len = want;
        size_t need = 0;
        rc = gw_safetensors_parse(buf, len, size, path, out, &need, err);
        if (rc != GW_E_NEED_MORE) break;
        if (need <= len) { rc = gw_set_err(err, GW_E_FORMAT, "%s: truncated header", path); break; }
        want = need;
        rc = GW_OK;
    }
    free(buf);
    fclose(f);
    return rc;
}

void gw_hf_close(gw_hf *h) {
    if (!h) return;
    for (int i = 0; i < h->n_files; i++) {
        free(h->paths[i]);
        gw_safetensors_free(h->st[i]);
    }
    free(h->paths);
    free(h->st);
    free(h->t);
    gw_json_doc_free(h->config);
    free(h->dir);
    free(h);
}

static int add_file(gw_hf *h, const char *name, gw_err *err) {
    for (int i = 0; i < h->n_files; i++) {
        const char *p = h->paths[i] + strlen(h->paths[i]) - strlen(name);
        if (!strcmp(p, name) && (p == h->paths[i] || p[-1] == '/')) return i;
    }
    if (h->n_files >= MAX_SHARDS)
        return -gw_set_err(err, GW_E_FORMAT, "%s: more than %d safetensors shards", h->dir, MAX_SHARDS);
    char **np = realloc(h->paths, (size_t)(h->n_files + 1) * sizeof *np);
    if (np) h->paths = np;
    gw_safetensors **ns = np ? realloc(h->st, (size_t)(h->n_files + 1) * sizeof *ns) : NULL;
    if (ns) h->st = ns;
    char *path = ns ? join_path(h->dir, name) : NULL;
    if (!path) return -gw_set_err(err, GW_E_NOMEM, "out of memory");
    h->paths[h->n_files] = path;
    h->st[h->n_files] = NULL;
    return h->n_files++;
}

static int cmp_hf(const void *a, const void *b) {
    return strcmp(((const gw_hf_tensor *)a)->name, ((const gw_hf_tensor *)b)->name);
}

/* The shard names of model.safetensors.index.json, and a check that each
 * listed tensor is in its shard (after the shards are read). */
static int read_index(gw_hf *h, const char *index_path, gw_json_doc **idx, gw_err *err) {
    int rc = read_json(index_path, idx, err);
    if (rc) return rc;
    const gw_json *wm = gw_json_get(gw_json_root(*idx), "weight_map");
    if (!wm || gw_json_kind_of(wm) != GW_JSON_OBJECT)
        return gw_set_err(err, GW_E_FORMAT, "%s: no 'weight_map' object", index_path);
    for (size_t i = 0; i < gw_json_len(wm); i++) {
        const char *fn = gw_json_str(gw_json_val_at(wm, i), NULL);
        if (!fn || !*fn || strchr(fn, '/') || strchr(fn, '\\') || !strcmp(fn, "..") || !strcmp(fn, "."))
            return gw_set_err(err, GW_E_FORMAT, "%s: weight_map entry '%.200s' is not a file name in the checkpoint directory",
                              index_path, gw_json_key_at(wm, i));
        int k = add_file(h, fn, err);
        if (k < 0) return -k;
    }
    if (h->n_files == 0) return gw_set_err(err, GW_E_FORMAT, "%s: weight_map is empty", index_path);
    return GW_OK;
}

static int check_index(const gw_hf *h, const char *index_path, const gw_json_doc *idx, gw_err *err) {
    const gw_json *wm = gw_json_get(gw_json_root(idx), "weight_map");
    for (size_t i = 0; i < gw_json_len(wm); i++) {
        const char *tn = gw_json_key_at(wm, i), *fn = gw_json_str(gw_json_val_at(wm, i), NULL);
        const gw_hf_tensor *t = gw_hf_find(h, tn);
        if (!t || strcmp(h->paths[t->file] + strlen(h->paths[t->file]) - strlen(fn), fn))
            return gw_set_err(err, GW_E_NOT_FOUND, "%s/%s: missing tensor '%.200s' (listed there by %s)", h->dir, fn, tn,
                              index_path);
    }
    return GW_OK;
}

int gw_hf_open(const char *dir, gw_hf **out, gw_err *err) {
    *out = NULL;
    gw_hf *h = calloc(1, sizeof *h);
    char *cfg_path = NULL, *index_path = NULL, *single = NULL;
    gw_json_doc *idx = NULL;
    int rc = GW_OK;
    if (!h || !(h->dir = malloc(strlen(dir) + 1))) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
    strcpy(h->dir, dir);
    cfg_path = join_path(dir, "config.json");
    index_path = join_path(dir, "model.safetensors.index.json");
    single = join_path(dir, "model.safetensors");
    if (!cfg_path || !index_path || !single) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
    if ((rc = read_json(cfg_path, &h->config, err))) goto done;
    const gw_json *root = gw_json_root(h->config);
    if (gw_json_kind_of(root) != GW_JSON_OBJECT) {
        rc = gw_set_err(err, GW_E_FORMAT, "%s: not a JSON object", cfg_path);
        goto done;
    }
    h->text_config = root;
    const gw_json *tc = gw_json_get(root, "text_config");
    if (tc && gw_json_kind_of(tc) == GW_JSON_OBJECT) h->text_config = tc;

    if (file_exists(index_path)) {
        if ((rc = read_index(h, index_path, &idx, err))) goto done;
    } else if (file_exists(single)) {
        int k = add_file(h, "model.safetensors", err);
        if (k < 0) { rc = -k; goto done; }
    } else {
        rc = gw_set_err(err, GW_E_NOT_FOUND, "%s: no model.safetensors or model.safetensors.index.json", dir);
        goto done;
    }
    int64_t total = 0;
    for (int i = 0; i < h->n_files; i++) {
        if ((rc = open_safetensors(h->paths[i], &h->st[i], err))) goto done;
        total += gw_safetensors_n_tensors(h->st[i]);
    }
    h->t = calloc((size_t)(total ? total : 1), sizeof *h->t);
    if (!h->t) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
    for (int i = 0; i < h->n_files; i++)
        for (int j = 0; j < gw_safetensors_n_tensors(h->st[i]); j++) {
            const gw_st_tensor *s = gw_safetensors_tensor(h->st[i], j);
            gw_hf_tensor *t = &h->t[h->n++];
            t->name = s->name;
            t->dtype = s->dtype;
            t->ndim = s->ndim;
            memcpy(t->shape, s->shape, sizeof t->shape);
            t->offset = s->offset;
            t->nbytes = s->nbytes;
            t->file = i;
        }
    qsort(h->t, (size_t)h->n, sizeof *h->t, cmp_hf);
    for (int i = 1; i < h->n; i++)
        if (!strcmp(h->t[i - 1].name, h->t[i].name)) {
            rc = gw_set_err(err, GW_E_FORMAT, "%s and %s: both hold tensor '%.200s'", h->paths[h->t[i - 1].file],
                            h->paths[h->t[i].file], h->t[i].name);
            goto done;
        }
    if (idx && (rc = check_index(h, index_path, idx, err))) goto done;
done:
    gw_json_doc_free(idx);
    free(cfg_path);
    free(index_path);
    free(single);
    if (rc) {
        gw_hf_close(h);
        return rc;
    }
    *out = h;
    return GW_OK;
}

const char *gw_hf_dir(const gw_hf *h) { return h->dir; }
const char *gw_hf_file_path(const gw_hf *h, int file) { return file >= 0 && file < h->n_files ? h->paths[file] : ""; }
const gw_json *gw_hf_config(const gw_hf *h) { return gw_json_root(h->config); }
const gw_json *gw_hf_text_config(const gw_hf *h) { return h->text_config; }

static const char *model_type_of(const gw_json *o) {
    const char *s = gw_json_str(gw_json_get(o, "model_type"), NULL);
    return s ? s : "";
}
const char *gw_hf_model_type(const gw_hf *h) { return model_type_of(h->text_config); }
const char *gw_hf_root_model_type(const gw_hf *h) { return model_type_of(gw_hf_config(h)); }

int gw_hf_cfg_num(const gw_hf *h, const char *key, double *out, gw_err *err) {
    const gw_json *v = gw_json_get(h->text_config, key);
    if (!v || gw_json_is_null(v)) return GW_E_NOT_FOUND;
    if (gw_json_kind_of(v) != GW_JSON_NUMBER)
        return gw_set_err(err, GW_E_FORMAT, "%s/config.json: '%s' is not a number", h->dir, key);
    *out = gw_json_num(v);
    return GW_OK;
}

int gw_hf_cfg_int(const gw_hf *h, const char *key, int64_t *out, gw_err *err) {
    double d = 0;
    int rc = gw_hf_cfg_num(h, key, &d, err);
    if (rc) return rc;
    if (!(d >= -2147483648.0 && d <= 2147483647.0) || (double)(int64_t)d != d)
        return gw_set_err(err, GW_E_FORMAT, "%s/config.json: '%s' = %g is not a 32-bit integer", h->dir, key, d);
    *out = (int64_t)d;
    return GW_OK;
}

int gw_hf_cfg_bool(const gw_hf *h, const char *key, int *out, gw_err *err) {
    const gw_json *v = gw_json_get(h->text_config, key);
    if (!v || gw_json_is_null(v)) return GW_E_NOT_FOUND;
    if (gw_json_kind_of(v) != GW_JSON_BOOL)
        return gw_set_err(err, GW_E_FORMAT, "%s/config.json: '%s' is not a boolean", h->dir, key);
    *out = gw_json_bool(v);
    return GW_OK;
}

int gw_hf_cfg_req_int(const gw_hf *h, const char *key, int64_t *out, gw_err *err) {
    int rc = gw_hf_cfg_int(h, key, out, err);
    if (rc == GW_E_NOT_FOUND)
        return gw_set_err(err, GW_E_FORMAT, "%s/config.json: missing '%s'", h->dir, key);
    if (!rc && *out <= 0)
        return gw_set_err(err, GW_E_FORMAT, "%s/config.json: '%s' = %lld must be positive", h->dir, key, (long long)*out);
    return rc;
}

int gw_hf_n_tensors(const gw_hf *h) { return h->n; }
const gw_hf_tensor *gw_hf_tensor_at(const gw_hf *h, int i) { return i >= 0 && i < h->n ? &h->t[i] : NULL; }

const gw_hf_tensor *gw_hf_find(const gw_hf *h, const char *name) {
    int lo = 0, hi = h->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(h->t[mid].name, name);
        if (c == 0) return &h->t[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}

int gw_hf_read(const gw_hf *h, const gw_hf_tensor *t, void *dst, gw_err *err) {
    const char *path = h->paths[t->file];
    FILE *f = fopen(path, "rb");
    if (!f) return open_err(path, errno, err);
    int rc = GW_OK;
    if (fseeko(f, (off_t)t->offset, SEEK_SET) || fread(dst, 1, (size_t)t->nbytes, f) != (size_t)t->nbytes)
        rc = gw_set_err(err, GW_E_IO, "%s: reading tensor '%.200s' (%llu bytes at %llu) failed", path, t->name,
                        (unsigned long long)t->nbytes, (unsigned long long)t->offset);
    fclose(f);
    return rc;
}

int gw_hf_read_f32(const gw_hf *h, const gw_hf_tensor *t, float *dst, gw_err *err) {
    if (gw_st_dtype_type(t->dtype) < 0)
        return gw_set_err(err, GW_E_UNSUPPORTED, "%s: tensor '%.200s' has dtype %s (only F32, F16 and BF16 convert)",
                          h->paths[t->file], t->name, gw_st_dtype_name(t->dtype));
    int64_t n = (int64_t)(t->nbytes / (uint64_t)gw_st_dtype_size(t->dtype));
    if (t->dtype == GW_ST_F32) return gw_hf_read(h, t, dst, err);
    /* 2-byte types: read into the upper half of dst, widen front to back */
    uint8_t *raw = (uint8_t *)dst + (size_t)n * 2;
    int rc = gw_hf_read(h, t, raw, err);
    if (rc) return rc;
    return gw_st_to_f32(t->dtype, raw, dst, n);
}
