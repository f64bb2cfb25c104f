/* test_safetensors.c — the safetensors header parser: a valid file parses
 * (dtypes, shapes, offsets, f32 conversion), the incremental protocol, and
 * hostile inputs (truncation, bad header length, bad JSON, unknown dtype,
 * offsets past the end or disagreeing with the shape, overlaps, bad shapes,
 * byte mutations) each give a clear error naming the file, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"
#include "testutil.h"

/* A file: 8-byte length, the header, then data_len bytes (value i & 255). */
static unsigned char *make(const char *header, size_t data_len, size_t *len) {
    size_t hl = strlen(header);
    *len = 8 + hl + data_len;
    unsigned char *b = malloc(*len);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(b + 8, header, hl);
    for (size_t i = 0; i < data_len; i++) b[8 + hl + i] = (unsigned char)i;
    return b;
}

static int expect(const char *header, size_t data_len, int code, const char *part, int line) {
    size_t len;
    unsigned char *b = make(header, data_len, &len);
    gw_safetensors *st = NULL;
    gw_err err = {0};
    size_t need = 0;
    int rc = gw_safetensors_parse(b, len, len, "bad.safetensors", &st, &need, &err);
    int ok = rc == code && !st && !strncmp(err.msg, "bad.safetensors", 15) && (!part || strstr(err.msg, part));
    if (!ok) fprintf(stderr, "line %d: rc %d (want %d): %s\n", line, rc, code, err.msg);
    gw_safetensors_free(st);
    free(b);
    return ok;
}
#define EXPECT(h, n, code, part) CHECK(expect(h, n, code, part, __LINE__))

static const char *VALID =
    "{\"__metadata__\":{\"format\":\"pt\"},"
    "\"b.weight\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[24,32]},"
    "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
    "\"c\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[32,36]},"
    "\"e\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[36,36]}}";

static void test_valid(void) {
    size_t len;
    unsigned char *b = make(VALID, 36, &len);
    /* f32 [1, 2, 3, 4, 5, 6], bf16 [1, -2, 0.5, 3], f16 [1, -0.5] */
    float f[6] = {1, 2, 3, 4, 5, 6};
    memcpy(b + 8 + strlen(VALID), f, 24);
    uint16_t h[6] = {0x3f80, 0xc000, 0x3f00, 0x4040, 0x3c00, 0xb800};
    memcpy(b + 8 + strlen(VALID) + 24, h, 12);
    gw_safetensors *st = NULL;
    gw_err err = {0};
    size_t need = 0;
    int rc = gw_safetensors_parse(b, len, len, "ok.safetensors", &st, &need, &err);
    CHECKF(rc == GW_OK, "%s", err.msg);
    if (!st) { free(b); return; }
    CHECK(gw_safetensors_n_tensors(st) == 4);
    CHECK(!strcmp(gw_safetensors_name(st), "ok.safetensors"));
    const gw_st_tensor *a = gw_safetensors_find(st, "a.weight"), *bt = gw_safetensors_find(st, "b.weight"),
                       *c = gw_safetensors_find(st, "c"), *e = gw_safetensors_find(st, "e");
    CHECK(a && a->dtype == GW_ST_F32 && a->ndim == 2 && a->shape[0] == 2 && a->shape[1] == 3 && a->nbytes == 24 &&
          a->offset == 8 + strlen(VALID));
    CHECK(bt && bt->dtype == GW_ST_BF16 && bt->ndim == 1 && bt->shape[0] == 4 && bt->offset == a->offset + 24);
    CHECK(e && e->dtype == GW_ST_I64 && e->nbytes == 0 && gw_st_dtype_type(e->dtype) < 0);
    CHECK(!gw_safetensors_find(st, "__metadata__") && !gw_safetensors_find(st, "zz"));
    float out[4];
    CHECK(gw_st_to_f32(bt->dtype, b + bt->offset, out, 4) == GW_OK && out[0] == 1 && out[1] == -2 && out[2] == 0.5f &&
          out[3] == 3);
    CHECK(gw_st_to_f32(c->dtype, b + c->offset, out, 2) == GW_OK && out[0] == 1 && out[1] == -0.5f);
    CHECK(gw_st_to_f32(GW_ST_I32, b, out, 1) == GW_E_UNSUPPORTED);
    gw_safetensors_free(st);

    /* incremental: 8 bytes first, then what it asks for */
    rc = gw_safetensors_parse(b, 8, len, "ok.safetensors", &st, &need, &err);
    CHECK(rc == GW_E_NEED_MORE && need == 8 + strlen(VALID) && !st);
    rc = gw_safetensors_parse(b, need, len, "ok.safetensors", &st, &need, &err);
    CHECK(rc == GW_OK && st);
    gw_safetensors_free(st);
    free(b);
}

static void test_hostile(void) {
    gw_err err = {0};
    gw_safetensors *st = NULL;
    size_t need;
    unsigned char tiny[4] = {1, 0, 0, 0};
    CHECK(gw_safetensors_parse(tiny, 4, 4, "bad.safetensors", &st, &need, &err) == GW_E_FORMAT &&
          strstr(err.msg, "bad.safetensors") && strstr(err.msg, "shorter"));
    /* header length past the end of the file, or absurd */
    size_t len;
    unsigned char *b = make(VALID, 36, &len);
    CHECK(gw_safetensors_parse(b, len - 100 - 36, len - 100 - 36, "bad.safetensors", &st, &need, &err) == GW_E_FORMAT &&
          strstr(err.msg, "truncated"));
    b[7] = 0x40;
    CHECK(gw_safetensors_parse(b, len, len, "bad.safetensors", &st, &need, &err) == GW_E_FORMAT &&
          strstr(err.msg, "header length"));
    free(b);
    EXPECT("[1,2]", 0, GW_E_FORMAT, "'{'");
    EXPECT("{\"a\":", 0, GW_E_FORMAT, NULL);
    EXPECT("{\"a\":{\"dtype\":\"F7\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, GW_E_UNSUPPORTED, "unknown dtype 'F7'");
    EXPECT("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, GW_E_FORMAT, "dtype");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,400]}}", 4, GW_E_FORMAT, "'a'");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}", 4, GW_E_FORMAT, "past the end");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 8, GW_E_FORMAT, "need 8");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, GW_E_FORMAT, "begin <= end");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, GW_E_FORMAT, "data_offsets");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, GW_E_FORMAT, "shape dimension 0");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8, GW_E_FORMAT, "shape dimension 0");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8, GW_E_FORMAT, "shape");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,2],\"data_offsets\":[0,8]}}", 8, GW_E_UNSUPPORTED, "5 dimensions");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[281474976710656,281474976710656],\"data_offsets\":[0,8]}}", 8,
           GW_E_FORMAT, "too large");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,1e300]}}", 8, GW_E_FORMAT, "data_offsets");
    EXPECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, GW_E_FORMAT, "overlap");
    EXPECT("{\"a\":[]}", 0, GW_E_FORMAT, "not an object");
    EXPECT("{\"__metadata__\":3}", 0, GW_E_FORMAT, "__metadata__");
    EXPECT("{\"\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, GW_E_FORMAT, "empty name");
}

/* Random byte flips of the valid file: no crash, any error names the file. */
static void test_mutations(void) {
    size_t len;
    unsigned char *b = make(VALID, 36, &len);
    unsigned char *m = malloc(len);
    unsigned s = 777;
    int bad = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(m, b, len);
        int nflip = 1 + (int)(test_rand(&s) % 4);
        for (int k = 0; k < nflip; k++) m[test_rand(&s) % (8 + strlen(VALID))] = (unsigned char)test_rand(&s);
        gw_safetensors *st = NULL;
        gw_err err = {0};
        size_t need = 0;
        int rc = gw_safetensors_parse(m, len, len, "mut.safetensors", &st, &need, &err);
        if (rc == GW_OK) {
            for (int i = 0; st && i < gw_safetensors_n_tensors(st); i++) {
                const gw_st_tensor *t = gw_safetensors_tensor(st, i);
                if (t->offset + t->nbytes > len) bad++;
            }
            if (!st) bad++;
        } else if (st || strncmp(err.msg, "mut.safetensors", 15) || rc == GW_E_NEED_MORE) {
            if (!bad++) fprintf(stderr, "mutation: rc %d: %s\n", rc, err.msg);
        }
        gw_safetensors_free(st);
    }
    CHECK(bad == 0);
    free(m);
    free(b);
}

int main(void) {
    test_valid();
    test_hostile();
    test_mutations();
    return test_summary("test_safetensors");
}
