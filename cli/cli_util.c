/* cli_util.c — see cli_util.h */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "common.h"
#include "gguf_file.h"
#include "model.h"

int cli_fail(const char *cmd, const gw_err *err) {
    fprintf(stderr, "gemwasm %s: %s\n", cmd, err->msg[0] ? err->msg : gw_strerror(err->code));
    return 1;
}

int cli_failf(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gemwasm %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_load_model(const char *path, gw_model **out, gw_err *err) {
    gw_gguf_set *set = NULL;
    int rc = gw_gguf_set_open(path, &set, err);
    if (rc) return rc;
    return gw_model_from_gguf_set(set, out, err);
}

int cli_parse_ids(const char *s, int32_t **out) {
    *out = NULL;
    size_t cap = 16, n = 0;
    int32_t *ids = malloc(cap * sizeof *ids);
    if (!ids) return -1;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > INT32_MAX) { free(ids); return -1; }
        if (n == cap) {
            int32_t *t = realloc(ids, (cap *= 2) * sizeof *ids);
            if (!t) { free(ids); return -1; }
            ids = t;
        }
        ids[n++] = (int32_t)v;
        p = end;
        while (*p == ' ') p++;
        if (*p == ',') p++;
        else if (*p) { free(ids); return -1; }
    }
    if (!n) { free(ids); return -1; }
    *out = ids;
    return (int)n;
}

int cli_parse_int(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!s[0] || *end || errno || v < 0 || v > (1L << 30)) return 0;
    *out = (int)v;
    return 1;
}

int cli_write_npy(const char *path, const float *data, int64_t rows, int64_t cols, gw_err *err) {
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%lld, %lld), }",
                     (long long)rows, (long long)cols);
    int total = 10 + n + 1;
    int pad = (64 - total % 64) % 64;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return gw_set_err(err, GW_E_IO, "%s: cannot create: %s", tmp, strerror(errno));
    unsigned short hlen = (unsigned short)(n + pad + 1);
    unsigned char magic[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 255), (unsigned char)(hlen >> 8)};
    int ok = fwrite(magic, 1, 10, f) == 10 && fwrite(hdr, 1, (size_t)n, f) == (size_t)n;
    for (int i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    ok = ok && fwrite(data, sizeof(float), (size_t)(rows * cols), f) == (size_t)(rows * cols);
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path)) {
        remove(tmp);
        return gw_set_err(err, GW_E_IO, "%s: write failed", path);
    }
    return GW_OK;
}

int cli_argmax(const float *x, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}
