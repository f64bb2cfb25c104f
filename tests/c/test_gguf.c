/* test_gguf.c — GGUF reader: a valid hand-built file parses with every value
 * type; the incremental protocol; and hostile inputs (every truncation
 * point, bad magic/version, huge counts, unknown types, misaligned or
 * overlapping offsets, duplicate names, ...) each give a clear error that
 * names the file, and never crash. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gguf.h"
#include "gguf_file.h"
#include "test_gguf_build.h"
#include "testutil.h"

static char tmpdir[1024];

static void tmp_path(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", tmpdir, name); }

static int write_bytes(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, n, f);
    fclose(f);
    return w == n ? 0 : -1;
}

/* kvs of the valid file (n = 8) */
static void valid_kvs(bbuf *b) {
    bb_kv_str(b, "general.architecture", "gemma");
    bb_kv_u32(b, "general.alignment", 32);
    bb_kv_i32(b, "test.i32", -5);
    bb_kv_f32(b, "test.f32", 1.5f);
    bb_kv_bool(b, "test.bool", 1);
    bb_kv_u16(b, "test.u16", 7);
    bb_str(b, "test.arr_str"); bb_u32(b, 9); bb_u32(b, 8); bb_u64(b, 2); bb_str(b, "a"); bb_str(b, "bc");
    bb_str(b, "test.arr_f32"); bb_u32(b, 9); bb_u32(b, 6); bb_u64(b, 3);
    bb_f32(b, 1); bb_f32(b, 2); bb_f32(b, 3);
}

/* A valid GGUF: 3 tensors (f32 [4,2], q8_0 [32,2], f16 [3]). *hdr_end = end
 * of tensor infos. */
static void make_valid(bbuf *b, size_t *hdr_end) {
    b->len = 0;
    bb_header(b, 3, 3, 8);
    valid_kvs(b);
    uint64_t ne1[2] = {4, 2}, ne2[2] = {32, 2}, ne3[1] = {3};
    bb_tinfo(b, "tok", 2, ne1, 0, 0);
    bb_tinfo(b, "q", 2, ne2, 8, 32);
    bb_tinfo(b, "h", 1, ne3, 1, 128);
    if (hdr_end) *hdr_end = b->len;
    bb_pad(b, 32);
    for (int i = 0; i < 8; i++) bb_f32(b, (float)i);
    for (int i = 0; i < 96; i++) bb_u8(b, (uint8_t)i); /* q8_0 68 bytes + pad to 128 */
    bb_u16(b, 0x3c00); bb_u16(b, 0x4000); bb_u16(b, 0xc000);
}

static int has(const gw_err *e, const char *s) { return strstr(e->msg, s) != NULL; }

static void test_valid(void) {
    bbuf b = {0};
    size_t hdr_end;
    make_valid(&b, &hdr_end);
    gw_gguf *g = NULL;
    gw_err err = {0};
    size_t need = 0;
    int rc = gw_gguf_parse(b.p, b.len, "valid.gguf", &g, &need, &err);
    CHECKF(rc == GW_OK, "%s", err.msg);
    if (rc) { bb_free(&b); return; }
    CHECK(!strcmp(gw_gguf_name(g), "valid.gguf"));
    CHECK(gw_gguf_n_kv(g) == 8);
    CHECK(gw_gguf_n_tensors(g) == 3);
    CHECK(gw_gguf_data_offset(g) % 32 == 0 && gw_gguf_data_offset(g) >= hdr_end);
    CHECK(gw_gguf_data_size(g) == 134);
    gw_gguf_str s;
    CHECK(gw_gguf_get_str(g, "general.architecture", &s, &err) == GW_OK && s.len == 5 && !strcmp(s.s, "gemma"));
    uint32_t u;
    int64_t i64;
    float f;
    int bo;
    CHECK(gw_gguf_get_u32(g, "test.u16", &u, &err) == GW_OK && u == 7);
    CHECK(gw_gguf_get_i64(g, "test.i32", &i64, &err) == GW_OK && i64 == -5);
    CHECK(gw_gguf_get_u32(g, "test.i32", &u, &err) == GW_E_FORMAT && has(&err, "test.i32") && has(&err, "valid.gguf"));
    CHECK(gw_gguf_get_f32(g, "test.f32", &f, &err) == GW_OK && f == 1.5f);
    CHECK(gw_gguf_get_f32(g, "test.i32", &f, &err) == GW_E_FORMAT);
    CHECK(gw_gguf_get_bool(g, "test.bool", &bo, &err) == GW_OK && bo == 1);
    CHECK(gw_gguf_get_str(g, "nope", &s, &err) == GW_E_NOT_FOUND && has(&err, "nope"));
    int et;
    uint64_t n;
    const void *d;
    CHECK(gw_gguf_get_arr(g, "test.arr_str", &et, &n, &d, &err) == GW_OK && et == GW_GGUF_STRING && n == 2);
    if (n == 2) {
        const gw_gguf_str *ss = d;
        CHECK(!strcmp(ss[0].s, "a") && ss[1].len == 2 && !strcmp(ss[1].s, "bc"));
    }
    CHECK(gw_gguf_get_arr(g, "test.arr_f32", &et, &n, &d, &err) == GW_OK && et == GW_GGUF_FLOAT32 && n == 3);
    if (n == 3) CHECK(((const float *)d)[2] == 3.0f);
    CHECK(gw_gguf_find_key(g, "test.bool") == 4 && gw_gguf_kv_type(g, 4) == GW_GGUF_BOOL);
    CHECK(!strcmp(gw_gguf_kv_key(g, 0), "general.architecture"));

    const gw_tensor *t = gw_gguf_find_tensor(g, "q");
    CHECK(t && t->type == 8 && t->ndim == 2 && t->ne[0] == 32 && t->ne[1] == 2 && t->ne[2] == 1 && t->nbytes == 68);
    CHECK(t && t->data == NULL);
    CHECK(gw_gguf_tensor_offset(g, 2) == 128);
    CHECK(gw_gguf_find_tensor(g, "zzz") == NULL);
    /* attach the file's bytes as the data block */
    const uint8_t *data = b.p + gw_gguf_data_offset(g);
    CHECK(gw_gguf_attach_data(g, data, b.len - gw_gguf_data_offset(g), &err) == GW_OK);
    t = gw_gguf_find_tensor(g, "tok");
    CHECK(t && ((const float *)t->data)[7] == 7.0f);
    CHECK(gw_gguf_attach_data(g, data, 10, &err) == GW_E_FORMAT);
    /* or copy into an owned block */
    uint8_t *blk = gw_gguf_alloc_data(g, &err);
    CHECK(blk && ((uintptr_t)blk & 63) == 0);
    if (blk) {
        memcpy(blk, data, gw_gguf_data_size(g));
        t = gw_gguf_find_tensor(g, "h");
        CHECK(t && t->data == blk + 128 && ((const uint16_t *)t->data)[1] == 0x4000);
    }
    gw_gguf_free(g);

    /* the file path: open it and as a one-file set */
    char path[1200];
    tmp_path(path, sizeof path, "valid.gguf");
    CHECK(write_bytes(path, b.p, b.len) == 0);
    CHECK(gw_gguf_open_file(path, &g, &err) == GW_OK);
    if (g) {
        t = gw_gguf_find_tensor(g, "tok");
        CHECK(t && t->data && ((const float *)t->data)[3] == 3.0f);
        gw_gguf_free(g);
    }
    gw_gguf_set *set = NULL;
    CHECKF(gw_gguf_set_open(path, &set, &err) == GW_OK, "%s", err.msg);
    if (set) {
        CHECK(gw_gguf_set_count(set) == 1 && gw_gguf_set_find_tensor(set, "h"));
        CHECK(gw_gguf_set_data_bytes(set) == 134);
        gw_gguf_set_free(set);
    }
    /* v2 reads the same */
    b.p[4] = 2;
    CHECK(gw_gguf_parse(b.p, b.len, "v2.gguf", &g, &need, &err) == GW_OK);
    gw_gguf_free(g);
    bb_free(&b);
}

/* Feeding growing prefixes as the wasm loader does. */
static void test_incremental(void) {
    bbuf b = {0};
    size_t hdr_end;
    make_valid(&b, &hdr_end);
    gw_err err;
    int bad = 0;
    for (size_t len = 0; len < hdr_end; len++) {
        gw_gguf *g = (gw_gguf *)1;
        size_t need = 0;
        int rc = gw_gguf_parse(b.p, len, "inc.gguf", &g, &need, &err);
        if (rc != GW_E_NEED_MORE || need <= len || g != NULL || !has(&err, "inc.gguf: truncated")) {
            if (!bad++) fprintf(stderr, "prefix %zu: rc %d need %zu: %s\n", len, rc, need, err.msg);
        }
    }
    CHECK(bad == 0);
    /* the protocol: start with 1 byte, retry with need */
    size_t len = 1, steps = 0;
    gw_gguf *g = NULL;
    for (;;) {
        size_t need = 0;
        int rc = gw_gguf_parse(b.p, len < b.len ? len : b.len, "inc.gguf", &g, &need, &err);
        steps++;
        if (rc != GW_E_NEED_MORE) { CHECKF(rc == GW_OK, "%s", err.msg); break; }
        len = need;
        if (steps > 100) break;
    }
    CHECK(g && gw_gguf_n_tensors(g) == 3);
    gw_gguf_free(g);
    /* the message names what ran out */
    size_t need;
    gw_gguf_parse(b.p, hdr_end - 3, "inc.gguf", &g, &need, &err);
    CHECKF(has(&err, "tensor info 2 ('h')"), "%s", err.msg);
    bb_free(&b);
}

/* Every cut point of the file on disk: an error naming the file, no crash. */
static void test_truncated_files(void) {
    bbuf b = {0};
    make_valid(&b, NULL);
    char path[1200];
    tmp_path(path, sizeof path, "cut.gguf");
    int bad = 0;
    for (size_t len = 0; len < b.len; len++) {
        if (write_bytes(path, b.p, len)) { bad++; continue; }
        gw_gguf *g = NULL;
        gw_err err = {0};
        int rc = gw_gguf_open_file(path, &g, &err);
        if (rc != GW_E_FORMAT || g || strncmp(err.msg, path, strlen(path)) || !has(&err, "truncated")) {
            if (!bad++) fprintf(stderr, "cut at %zu: rc %d: %s\n", len, rc, err.msg);
        }
        gw_gguf_free(g);
    }
    CHECK(bad == 0);
    remove(path);
    bb_free(&b);
}

/* Parse b (full) expecting code and message parts. */
static void expect_err(const bbuf *b, int code, const char *part1, const char *part2, int line) {
    gw_gguf *g = NULL;
    gw_err err = {0};
    size_t need = 0;
    int rc = gw_gguf_parse(b->p, b->len, "bad.gguf", &g, &need, &err);
    int ok = rc == code && g == NULL && !strncmp(err.msg, "bad.gguf: ", 10) &&
             (!part1 || has(&err, part1)) && (!part2 || has(&err, part2));
    if (!ok) fprintf(stderr, "line %d: rc %d (want %d): %s\n", line, rc, code, err.msg);
    CHECK(ok);
    gw_gguf_free(g);
}
#define EXPECT(b, code, p1, p2) expect_err(b, code, p1, p2, __LINE__)

static void test_hostile(void) {
    bbuf b = {0};
    uint64_t ne[4] = {32, 2, 1, 1};

    make_valid(&b, NULL);
    memcpy(b.p, "GGML", 4);
    EXPECT(&b, GW_E_FORMAT, "not a GGUF file", NULL);

    make_valid(&b, NULL);
    b.p[4] = 1;
    EXPECT(&b, GW_E_UNSUPPORTED, "version 1", NULL);
    b.p[4] = 7;
    EXPECT(&b, GW_E_UNSUPPORTED, "version 7", NULL);
    b.p[4] = 0; b.p[7] = 3;
    EXPECT(&b, GW_E_UNSUPPORTED, "big-endian", NULL);

    /* huge counts: rejected or NEED_MORE asking for them, never a big malloc */
    b.len = 0;
    bb_header(&b, 3, (uint64_t)1 << 40, 0);
    EXPECT(&b, GW_E_FORMAT, "tensor count", NULL);
    b.len = 0;
    bb_header(&b, 3, 0, (uint64_t)-1);
    EXPECT(&b, GW_E_FORMAT, "key-value count", NULL);
    b.len = 0;
    bb_header(&b, 3, 1000000, 1000000);
    EXPECT(&b, GW_E_NEED_MORE, "truncated", NULL);
    b.len = 0;
    bb_header(&b, 3, 0, 1);
    bb_u64(&b, (uint64_t)1 << 62); /* key length */
    bb_u64(&b, 0);                 /* (enough bytes for the minimal key-value) */
    EXPECT(&b, GW_E_FORMAT, "key-value 0", "length");
    b.len = 0;
    bb_header(&b, 3, 0, 1);
    bb_str(&b, "k"); bb_u32(&b, 8); bb_u64(&b, (uint64_t)1 << 60);
    EXPECT(&b, GW_E_FORMAT, "'k'", "length");
    b.len = 0;
    bb_header(&b, 3, 0, 1);
    bb_str(&b, "arr"); bb_u32(&b, 9); bb_u32(&b, 8); bb_u64(&b, (uint64_t)1 << 61);
    EXPECT(&b, GW_E_FORMAT, "'arr'", "too large");
    b.len = 0;
    bb_header(&b, 3, 0, 1);
    bb_str(&b, "arr"); bb_u32(&b, 9); bb_u32(&b, 0); bb_u64(&b, (uint64_t)1 << 28);
    EXPECT(&b, GW_E_NEED_MORE, "'arr'", "truncated");
    b.len = 0;
    bb_header(&b, 3, 0, 1);
    bb_str(&b, "arr"); bb_u32(&b, 9); bb_u32(&b, 9); bb_u64(&b, 1);
    EXPECT(&b, GW_E_UNSUPPORTED, "arrays of arrays", "'arr'");
    b.len = 0;
    bb_header(&b, 3, 0, 1);
    bb_str(&b, "x"); bb_u32(&b, 13); bb_u32(&b, 0);
    EXPECT(&b, GW_E_FORMAT, "unknown value type 13", "'x'");
    b.len = 0;
    bb_header(&b, 3, 0, 2);
    bb_kv_u32(&b, "dup", 1); bb_kv_u32(&b, "dup", 2);
    EXPECT(&b, GW_E_FORMAT, "duplicate key 'dup'", NULL);

    /* alignment */
    b.len = 0;
    bb_header(&b, 3, 0, 1);
    bb_kv_u32(&b, "general.alignment", 48);
    EXPECT(&b, GW_E_FORMAT, "general.alignment", "power of 2");
    b.len = 0;
    bb_header(&b, 3, 0, 1);
    bb_kv_u32(&b, "general.alignment", 0);
    EXPECT(&b, GW_E_FORMAT, "general.alignment", NULL);
    b.len = 0;
    bb_header(&b, 3, 0, 1);
    bb_kv_str(&b, "general.alignment", "32");
    EXPECT(&b, GW_E_FORMAT, "general.alignment", "u32");

    /* tensor infos */
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    bb_tinfo(&b, "blk.0.attn_q.weight", 2, ne, 99, 0);
    EXPECT(&b, GW_E_UNSUPPORTED, "'blk.0.attn_q.weight'", "type id 99");
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    { uint64_t ne5[5] = {32, 2, 1, 1, 1}; bb_tinfo(&b, "t", 5, ne5, 0, 0); }
    EXPECT(&b, GW_E_FORMAT, "tensor info 0 ('t')", "5 dimensions");
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    bb_tinfo(&b, "t", 0, ne, 0, 0);
    bb_u64(&b, 0); /* (enough bytes for the minimal tensor info) */
    EXPECT(&b, GW_E_FORMAT, "'t'", "dimensions");
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    { uint64_t z[2] = {4, 0}; bb_tinfo(&b, "t", 2, z, 0, 0); }
    EXPECT(&b, GW_E_FORMAT, "'t'", "dimension 1");
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    { uint64_t big[4] = {(uint64_t)1 << 40, (uint64_t)1 << 40, 1, 1}; bb_tinfo(&b, "t", 2, big, 0, 0); }
    EXPECT(&b, GW_E_FORMAT, "'t'", "too large");
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    { uint64_t odd[2] = {40, 2}; bb_tinfo(&b, "t", 2, odd, 8, 0); }
    EXPECT(&b, GW_E_FORMAT, "'t'", "block size");
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    bb_tinfo(&b, "t", 2, ne, 0, 16);
    EXPECT(&b, GW_E_FORMAT, "'t'", "alignment");
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    bb_tinfo(&b, "t", 2, ne, 0, (uint64_t)-32);
    EXPECT(&b, GW_E_FORMAT, "'t'", "out of range");
    b.len = 0;
    bb_header(&b, 3, 2, 0);
    bb_tinfo(&b, "a", 2, ne, 0, 0);
    bb_tinfo(&b, "b", 2, ne, 0, 128);
    EXPECT(&b, GW_E_FORMAT, "overlap", NULL);
    b.len = 0;
    bb_header(&b, 3, 2, 0);
    bb_tinfo(&b, "same", 2, ne, 0, 0);
    bb_tinfo(&b, "same", 2, ne, 0, 256);
    EXPECT(&b, GW_E_FORMAT, "duplicate tensor name 'same'", NULL);
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    bb_u64(&b, 3); bb_put(&b, "a\0b", 3); bb_u32(&b, 1); bb_u64(&b, 4); bb_u32(&b, 0); bb_u64(&b, 0);
    EXPECT(&b, GW_E_FORMAT, "NUL", NULL);

    /* tensor offset past the end of the file: the file reader notices */
    b.len = 0;
    bb_header(&b, 3, 1, 0);
    bb_tinfo(&b, "far", 2, ne, 0, 1 << 20);
    bb_pad(&b, 32);
    for (int i = 0; i < 64; i++) bb_u32(&b, 0);
    char path[1200];
    tmp_path(path, sizeof path, "far.gguf");
    CHECK(write_bytes(path, b.p, b.len) == 0);
    gw_gguf *g = NULL;
    gw_err err = {0};
    CHECK(gw_gguf_open_file(path, &g, &err) == GW_E_FORMAT && !g && has(&err, path) && has(&err, "truncated"));
    remove(path);
    tmp_path(path, sizeof path, "does-not-exist.gguf");
    CHECK(gw_gguf_open_file(path, &g, &err) == GW_E_NOT_FOUND && has(&err, "does-not-exist.gguf"));
    bb_free(&b);
}

/* Flip bytes of the valid file: whatever happens, no crash and a named error. */
static void test_mutations(void) {
    bbuf b = {0};
    size_t hdr_end;
    make_valid(&b, &hdr_end);
    unsigned st = 12345;
    int bad = 0;
    for (int it = 0; it < 3000; it++) {
        bbuf m = {0};
        bb_put(&m, b.p, b.len);
        int nflip = 1 + (int)(test_rand(&st) % 4);
        for (int k = 0; k < nflip; k++) m.p[test_rand(&st) % hdr_end] = (uint8_t)test_rand(&st);
        gw_gguf *g = NULL;
        gw_err err = {0};
        size_t need = 0;
        int rc = gw_gguf_parse(m.p, m.len, "mut.gguf", &g, &need, &err);
        if (rc == GW_OK) {
            if (!g) bad++;
            gw_gguf_free(g);
        } else if (g || strncmp(err.msg, "mut.gguf: ", 10) || (rc == GW_E_NEED_MORE && need <= m.len)) {
            if (!bad++) fprintf(stderr, "mutation: rc %d: %s\n", rc, err.msg);
        }
        bb_free(&m);
    }
    CHECK(bad == 0);
    bb_free(&b);
}

/* A split file: n_tensor f32 [4] tensors named base+i. */
static void make_split(bbuf *b, int no, int count, int total, const char *names[], int n) {
    b->len = 0;
    bb_header(b, 3, (uint64_t)n, 3 + (no == 0));
    if (no == 0) bb_kv_str(b, "general.architecture", "gemma");
    bb_kv_u16(b, "split.no", (uint16_t)no);
    bb_kv_u16(b, "split.count", (uint16_t)count);
    bb_kv_i32(b, "split.tensors.count", total);
    uint64_t ne[1] = {4};
    for (int i = 0; i < n; i++) bb_tinfo(b, names[i], 1, ne, 0, (uint64_t)i * 32);
    bb_pad(b, 32);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < 4; j++) bb_f32(b, (float)(no * 100 + i * 10 + j));
        bb_pad(b, 32);
    }
}

static void test_split_set(void) {
    char prefix[1100], path[1200], pre2[1100];
    int no, count;
    CHECK(gw_split_parse_name("dir/model-00002-of-00003.gguf", pre2, sizeof pre2, &no, &count) == 1);
    CHECK(!strcmp(pre2, "dir/model") && no == 2 && count == 3);
    CHECK(gw_split_parse_name("model.gguf", pre2, sizeof pre2, &no, &count) == 0);
    CHECK(gw_split_parse_name("model-00004-of-00003.gguf", pre2, sizeof pre2, &no, &count) == 0);
    CHECK(gw_split_parse_name("model-0001-of-00003.gguf", pre2, sizeof pre2, &no, &count) == 0);
    gw_split_make_name(path, sizeof path, "a/b", 1, 12);
    CHECK(!strcmp(path, "a/b-00001-of-00012.gguf"));

    tmp_path(prefix, sizeof prefix, "set");
    const char *n0[] = {"x0", "x1"}, *n1[] = {"y0"}, *n2[] = {"z0", "z1"};
    const char **names[3] = {n0, n1, n2};
    int counts[3] = {2, 1, 2};
    bbuf b = {0};
    for (int i = 0; i < 3; i++) {
        make_split(&b, i, 3, 5, names[i], counts[i]);
        gw_split_make_name(path, sizeof path, prefix, i + 1, 3);
        CHECK(write_bytes(path, b.p, b.len) == 0);
    }
    gw_gguf_set *set = NULL;
    gw_err err = {0};
    gw_split_make_name(path, sizeof path, prefix, 2, 3); /* open from the middle one */
    CHECKF(gw_gguf_set_open(path, &set, &err) == GW_OK, "%s", err.msg);
    if (set) {
        CHECK(gw_gguf_set_count(set) == 3);
        gw_gguf_str s;
        CHECK(gw_gguf_get_str(gw_gguf_set_meta(set), "general.architecture", &s, &err) == GW_OK);
        const gw_tensor *t = gw_gguf_set_find_tensor(set, "z1");
        CHECK(t && ((const float *)t->data)[3] == 213.0f);
        CHECK(gw_gguf_set_data_bytes(set) == 48 + 16 + 48);
        gw_gguf_set_free(set);
    }
    /* split.tensors.count disagreeing */
    make_split(&b, 1, 3, 6, n1, 1);
    gw_split_make_name(path, sizeof path, prefix, 2, 3);
    write_bytes(path, b.p, b.len);
    CHECK(gw_gguf_set_open(path, &set, &err) == GW_E_FORMAT && has(&err, "split.tensors.count") && has(&err, path));
    /* inconsistent split.count */
    make_split(&b, 1, 2, 5, n1, 1);
    write_bytes(path, b.p, b.len);
    CHECKF(gw_gguf_set_open(path, &set, &err) == GW_E_FORMAT && has(&err, "split.count = 2") && has(&err, path),
           "%s", err.msg);
    /* a tensor in two splits */
    const char *dup[] = {"x1"};
    make_split(&b, 1, 3, 5, dup, 1);
    write_bytes(path, b.p, b.len);
    CHECKF(gw_gguf_set_open(path, &set, &err) == GW_E_FORMAT && has(&err, "'x1'"), "%s", err.msg);
    /* a missing split file */
    make_split(&b, 1, 3, 5, n1, 1);
    write_bytes(path, b.p, b.len);
    gw_split_make_name(path, sizeof path, prefix, 3, 3);
    remove(path);
    gw_split_make_name(pre2, sizeof pre2, prefix, 1, 3);
    CHECKF(gw_gguf_set_open(pre2, &set, &err) == GW_E_NOT_FOUND && has(&err, path) && has(&err, "missing"),
           "%s", err.msg);
    CHECK(set == NULL);
    /* the set API by hand: two files claiming split.no 0 */
    CHECK(gw_gguf_set_new(&set, &err) == GW_OK);
    for (int k = 0; k < 2; k++) {
        gw_gguf *g;
        make_split(&b, 0, 2, 2, k ? n1 : dup, 1);
        size_t need;
        CHECK(gw_gguf_parse(b.p, b.len, k ? "s1.gguf" : "s0.gguf", &g, &need, &err) == GW_OK);
        gw_gguf_alloc_data(g, &err);
        CHECK(gw_gguf_set_add(set, g, &err) == GW_OK);
    }
    CHECKF(gw_gguf_set_validate(set, &err) == GW_E_FORMAT && has(&err, "split.no = 0"), "%s", err.msg);
    gw_gguf_set_free(set);
    for (int i = 1; i <= 2; i++) {
        gw_split_make_name(path, sizeof path, prefix, i, 3);
        remove(path);
    }
    bb_free(&b);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "%s/test_gguf_tmp", GW_BUILD_DIR);
    mkdir(tmpdir, 0777);
    test_valid();
    test_incremental();
    test_truncated_files();
    test_hostile();
    test_mutations();
    test_split_set();
    return test_summary("test_gguf");
}
