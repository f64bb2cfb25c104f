/* gguf_set.c — a model given as one GGUF file or as llama.cpp-style splits
 * ("name-00001-of-00003.gguf"; keys split.no (0-based), split.count,
 * split.tensors.count in every split, the metadata in split 0), and the
 * split file name helpers. See gguf.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"

#define KEY_SPLIT_NO "split.no"
#define KEY_SPLIT_COUNT "split.count"
#define KEY_SPLIT_TENSORS "split.tensors.count"
#define SPLIT_SUFFIX_LEN 20 /* "-00001-of-00003.gguf" */

struct gw_gguf_set {
    int n, cap;
    gw_gguf **files; /* sorted by split.no */
    int *split_no;
};

int gw_gguf_set_new(gw_gguf_set **out, gw_err *err) {
    *out = calloc(1, sizeof **out);
    return *out ? GW_OK : gw_set_err(err, GW_E_NOMEM, "out of memory");
}

void gw_gguf_set_free(gw_gguf_set *s) {
    if (!s) return;
    for (int i = 0; i < s->n; i++) gw_gguf_free(s->files[i]);
    free(s->files);
    free(s->split_no);
    free(s);
}

/* split.no of g: 0 when absent. */
static int read_split_no(const gw_gguf *g, int *no, gw_err *err) {
    uint32_t v = 0;
    int rc = gw_gguf_get_u32(g, KEY_SPLIT_NO, &v, err);
    if (rc == GW_E_NOT_FOUND) { *no = 0; gw_err_clear(err); return GW_OK; }
    if (rc) return rc;
    if (v > 65535) return gw_set_err(err, GW_E_FORMAT, "%s: split.no = %u is out of range", gw_gguf_name(g), v);
    *no = (int)v;
    return GW_OK;
}

int gw_gguf_set_add(gw_gguf_set *s, gw_gguf *g, gw_err *err) {
    int no = 0, rc;
    if (!g) return gw_set_err(err, GW_E_INVALID, "gw_gguf_set_add: no file");
    if ((rc = read_split_no(g, &no, err))) { gw_gguf_free(g); return rc; }
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 4;
        gw_gguf **f = realloc(s->files, (size_t)cap * sizeof *f);
        if (f) s->files = f;
        int *sn = f ? realloc(s->split_no, (size_t)cap * sizeof *sn) : NULL;
        if (sn) s->split_no = sn;
        if (!f || !sn) {
            gw_gguf_free(g);
            return gw_set_err(err, GW_E_NOMEM, "out of memory");
        }
        s->cap = cap;
    }
    int i = s->n;
    while (i > 0 && s->split_no[i - 1] > no) {
        s->files[i] = s->files[i - 1];
        s->split_no[i] = s->split_no[i - 1];
        i--;
    }
    s->files[i] = g;
    s->split_no[i] = no;
    s->n++;
    return GW_OK;
}

static int cmp_tensor_ptr(const void *a, const void *b) {
    return strcmp((*(const gw_tensor *const *)a)->name, (*(const gw_tensor *const *)b)->name);
}

/* The expected file name of split no (0-based) next to the set's first file. */
static void expected_name(const gw_gguf_set *s, int no, int count, char *out, size_t cap) {
    char prefix[1024];
    int n0, c0;
    if (gw_split_parse_name(gw_gguf_name(s->files[0]), prefix, sizeof prefix, &n0, &c0))
        gw_split_make_name(out, cap, prefix, no + 1, count);
    else
        snprintf(out, cap, "split %d of %d", no + 1, count);
}

int gw_gguf_set_validate(const gw_gguf_set *s, gw_err *err) {
    if (!s || s->n == 0) return gw_set_err(err, GW_E_INVALID, "empty GGUF set");
    const char *name0 = gw_gguf_name(s->files[0]);
    uint32_t count = 0;
    int rc = gw_gguf_get_u32(s->files[0], KEY_SPLIT_COUNT, &count, err);
    if (rc == GW_E_NOT_FOUND) {
        gw_err_clear(err);
        if (s->n != 1)
            return gw_set_err(err, GW_E_FORMAT, "%s: has no split.count key but the set has %d files",
                              name0, s->n);
        count = 1;
    } else if (rc) {
        return rc;
    }
    if (count == 0 || count > 65535)
        return gw_set_err(err, GW_E_FORMAT, "%s: split.count = %u is out of range", name0, count);
    /* every split agrees on split.count, split.no is 0..count-1 once each */
    for (int i = 0; i < s->n; i++) {
        const char *nm = gw_gguf_name(s->files[i]);
        uint32_t c = 0;
        rc = gw_gguf_get_u32(s->files[i], KEY_SPLIT_COUNT, &c, err);
        if (rc == GW_E_NOT_FOUND && count == 1) { gw_err_clear(err); c = 1; }
        else if (rc == GW_E_NOT_FOUND)
            return gw_set_err(err, GW_E_FORMAT, "%s: has no split.count key, but %s says split.count = %u",
                              nm, name0, count);
        else if (rc) return rc;
        if (c != count)
            return gw_set_err(err, GW_E_FORMAT, "%s: split.count = %u, but %s says split.count = %u",
                              nm, c, name0, count);
        if (s->split_no[i] >= (int)count)
            return gw_set_err(err, GW_E_FORMAT, "%s: split.no = %d is not below split.count = %u",
                              nm, s->split_no[i], count);
        if (i > 0 && s->split_no[i] == s->split_no[i - 1])
            return gw_set_err(err, GW_E_FORMAT, "%s and %s: both are split.no = %d",
                              gw_gguf_name(s->files[i - 1]), nm, s->split_no[i]);
    }
    if ((uint32_t)s->n != count) {
        int missing = 0;
        for (int i = 0; i < s->n && s->split_no[i] == missing; i++) missing++;
        char exp[1100];
        expected_name(s, missing, (int)count, exp, sizeof exp);
        return gw_set_err(err, GW_E_NOT_FOUND, "%s: the set has %d of its %u splits: %s is missing",
                          name0, s->n, count, exp);
    }
    /* tensor count, unique names, data present */
    int64_t total = 0;
    for (int i = 0; i < s->n; i++) total += gw_gguf_n_tensors(s->files[i]);
    for (int i = 0; i < s->n; i++) {
        int64_t tc;
        rc = gw_gguf_get_i64(s->files[i], KEY_SPLIT_TENSORS, &tc, err);
        if (rc == GW_E_NOT_FOUND) { gw_err_clear(err); continue; }
        if (rc) return rc;
        if (tc != total)
            return gw_set_err(err, GW_E_FORMAT, "%s: split.tensors.count = %lld, but the %d splits hold %lld tensors",
                              gw_gguf_name(s->files[i]), (long long)tc, s->n, (long long)total);
    }
    const gw_tensor **all = malloc((size_t)(total ? total : 1) * sizeof *all);
    if (!all) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    int64_t k = 0;
    rc = GW_OK;
    for (int i = 0; i < s->n && !rc; i++)
        for (int j = 0; j < gw_gguf_n_tensors(s->files[i]); j++) {
            const gw_tensor *t = gw_gguf_tensor(s->files[i], j);
            if (!t->data) {
                rc = gw_set_err(err, GW_E_INVALID, "%s: tensor '%s' has no data loaded",
                                gw_gguf_name(s->files[i]), t->name);
                break;
            }
            all[k++] = t;
        }
    if (!rc) {
        qsort(all, (size_t)k, sizeof *all, cmp_tensor_ptr);
        for (int64_t i = 1; i < k; i++)
            if (!strcmp(all[i - 1]->name, all[i]->name)) {
                rc = gw_set_err(err, GW_E_FORMAT, "%s: tensor '%s' appears in more than one split",
                                name0, all[i]->name);
                break;
            }
    }
    free(all);
    return rc;
}

int gw_gguf_set_count(const gw_gguf_set *s) { return s->n; }
const gw_gguf *gw_gguf_set_meta(const gw_gguf_set *s) { return s->n ? s->files[0] : NULL; }

const gw_tensor *gw_gguf_set_find_tensor(const gw_gguf_set *s, const char *name) {
    for (int i = 0; i < s->n; i++) {
        const gw_tensor *t = gw_gguf_find_tensor(s->files[i], name);
        if (t) return t;
    }
    return NULL;
}

uint64_t gw_gguf_set_data_bytes(const gw_gguf_set *s) {
    uint64_t n = 0;
    for (int i = 0; i < s->n; i++) n += gw_gguf_data_size(s->files[i]);
    return n;
}

/* ---- names ----------------------------------------------------------------- */
static int five_digits(const char *p, int *v) {
    *v = 0;
    for (int i = 0; i < 5; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        *v = *v * 10 + (p[i] - '0');
    }
    return 1;
}

int gw_split_parse_name(const char *path, char *prefix, size_t prefix_cap, int *no, int *count) {
    size_t len = strlen(path);
    if (len <= SPLIT_SUFFIX_LEN) return 0;
    const char *s = path + len - SPLIT_SUFFIX_LEN;
    int n, c;
    if (s[0] != '-' || memcmp(s + 6, "-of-", 4) || strcmp(s + 15, ".gguf")) return 0;
    if (!five_digits(s + 1, &n) || !five_digits(s + 10, &c)) return 0;
    if (c < 1 || n < 1 || n > c) return 0;
    size_t plen = len - SPLIT_SUFFIX_LEN;
    if (prefix) {
        if (plen + 1 > prefix_cap) return 0;
        memcpy(prefix, path, plen);
        prefix[plen] = 0;
    }
    if (no) *no = n;
    if (count) *count = c;
    return 1;
}

void gw_split_make_name(char *out, size_t cap, const char *prefix, int no, int count) {
    snprintf(out, cap, "%s-%05d-of-%05d.gguf", prefix, no, count);
}
