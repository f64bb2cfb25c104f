/* gguf_file.c — GGUF files from disk with stdio: the header is read in
 * growing prefixes until gw_gguf_parse is satisfied, then the tensor data is
 * fread straight into the block from gw_gguf_alloc_data (one copy, no
 * mapping). gw_gguf_set_open finds the other splits of a set by name.
 */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "gguf_file.h"

#define FIRST_READ (1u << 20)

static int open_err(const char *path, int e, gw_err *err) {
    return gw_set_err(err, e == ENOENT ? GW_E_NOT_FOUND : GW_E_IO, "%s: cannot open: %s", path, strerror(e));
}

/* Read up to n bytes; returns the count (short only at end of file or error). */
static size_t read_full(FILE *f, uint8_t *dst, size_t n) {
    size_t got = 0;
    while (got < n) {
        size_t r = fread(dst + got, 1, n - got, f);
        if (r == 0) break;
        got += r;
    }
    return got;
}

int gw_gguf_open_file(const char *path, gw_gguf **out, gw_err *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return open_err(path, errno, err);
    int rc = GW_OK;
    uint8_t *buf = NULL;
    gw_gguf *g = NULL;
    uint64_t fsize = 0;
    off_t end = -1;
    if (fseeko(f, 0, SEEK_END) == 0) end = ftello(f);
    if (end < 0 || fseeko(f, 0, SEEK_SET)) {
        rc = gw_set_err(err, GW_E_IO, "%s: cannot determine the file size: %s", path, strerror(errno));
        goto done;
    }
    fsize = (uint64_t)end;

    /* header: read a prefix, parse, grow while the parser asks for more */
    size_t have = 0, cap = fsize < FIRST_READ ? (size_t)fsize : FIRST_READ;
    for (;;) {
        uint8_t *nb = realloc(buf, cap ? cap : 1);
        if (!nb) { rc = gw_set_err(err, GW_E_NOMEM, "%s: out of memory reading the header", path); goto done; }
        buf = nb;
        size_t got = read_full(f, buf + have, cap - have);
        have += got;
        if (have < cap) {
            rc = gw_set_err(err, GW_E_IO, "%s: read error at byte %zu", path, have);
            goto done;
        }
        size_t need = 0;
        rc = gw_gguf_parse(buf, have, path, &g, &need, err);
        if (rc != GW_E_NEED_MORE) break;
        if ((uint64_t)have >= fsize) { /* the whole file and still short */
            rc = GW_E_FORMAT;
            if (err) err->code = rc;
            goto done;
        }
        cap = (uint64_t)need < fsize ? need : (size_t)fsize;
    }
    if (rc) goto done;
    free(buf);
    buf = NULL;

    /* data: straight into its block */
    uint64_t off = gw_gguf_data_offset(g), size = gw_gguf_data_size(g);
    if (off > fsize || size > fsize - off) {
        rc = gw_set_err(err, GW_E_FORMAT,
                        "%s: truncated: the file is %llu bytes but its tensor data runs to byte %llu",
                        path, (unsigned long long)fsize, (unsigned long long)(off + size));
        goto done;
    }
    uint8_t *data = gw_gguf_alloc_data(g, err);
    if (!data) { rc = err ? err->code : GW_E_NOMEM; goto done; }
    if (fseeko(f, (off_t)off, SEEK_SET)) {
        rc = gw_set_err(err, GW_E_IO, "%s: seek to the tensor data failed: %s", path, strerror(errno));
        goto done;
    }
    if (read_full(f, data, (size_t)size) != (size_t)size) {
        rc = gw_set_err(err, GW_E_IO, "%s: reading %llu bytes of tensor data failed", path,
                        (unsigned long long)size);
        goto done;
    }
done:
    free(buf);
    fclose(f);
    if (rc) {
        gw_gguf_free(g);
        return rc;
    }
    *out = g;
    return GW_OK;
}

int gw_gguf_set_open(const char *path, gw_gguf_set **out, gw_err *err) {
    *out = NULL;
    gw_gguf_set *s;
    int rc = gw_gguf_set_new(&s, err);
    if (rc) return rc;
    size_t plen = strlen(path) + 1;
    char *prefix = malloc(plen), *name = malloc(plen + 32);
    int no, count;
    if (!prefix || !name) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
    if (gw_split_parse_name(path, prefix, plen, &no, &count)) {
        for (int i = 1; i <= count; i++) {
            gw_gguf *g;
            gw_split_make_name(name, plen + 32, prefix, i, count);
            rc = gw_gguf_open_file(name, &g, err);
            if (rc == GW_E_NOT_FOUND) {
                rc = gw_set_err(err, GW_E_NOT_FOUND, "%s: missing split %d of %d of the set opened from %s",
                                name, i, count, path);
                goto done;
            }
            if (rc || (rc = gw_gguf_set_add(s, g, err))) goto done;
        }
    } else {
        gw_gguf *g;
        if ((rc = gw_gguf_open_file(path, &g, err)) || (rc = gw_gguf_set_add(s, g, err))) goto done;
    }
    rc = gw_gguf_set_validate(s, err);
done:
    free(prefix);
    free(name);
    if (rc) {
        gw_gguf_set_free(s);
        return rc;
    }
    *out = s;
    return GW_OK;
}
