/* test_convert.c — the GGUF writer and the HF -> GGUF converter: writer round
 * trips (every value type, single file and splits, nothing half-written left
 * behind); the tiny fixtures converted with llama.cpp's names, metadata and
 * 1 + w norms, quantized types per tensor, split output equal to the single
 * file; both config.json styles and the multimodal gemma3 layout give the
 * same file; and hostile checkpoints (missing tensor, shape disagreeing with the
 * config, missing or truncated shard, bad index, unknown model_type, bad
 * config.json) each a clear error naming the file. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "convert.h"
#include "gguf_file.h"
#include "kernels.h"
#include "testutil.h"

static char tmpdir[1024];
#define HF GW_FIXTURES "/hf-tiny/"

static void tpath(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", tmpdir, name); }
static int has(const gw_err *e, const char *s) { return strstr(e->msg, s) != NULL; }

static int write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}
static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Copy src_dir/name to dst_dir/name, keeping only the first keep bytes
 * (keep 0: all), replacing one substring (may be NULL). */
static int copy_file(const char *src_dir, const char *dst_dir, const char *name, size_t keep, const char *from,
                     const char *to) {
    char s[2400], d[2400];
    snprintf(s, sizeof s, "%s/%s", src_dir, name);
    snprintf(d, sizeof d, "%s/%s", dst_dir, name);
    size_t n;
    unsigned char *b = test_read_file(s, &n);
    if (!b) return -1;
    if (keep && keep < n) n = keep;
    int rc;
    char *hit = from ? strstr((char *)b, from) : NULL;
    if (hit) {
        size_t pre = (size_t)(hit - (char *)b), fl = strlen(from), tl = strlen(to);
        char *o = malloc(n - fl + tl);
        memcpy(o, b, pre);
        memcpy(o + pre, to, tl);
        memcpy(o + pre + tl, hit + fl, n - pre - fl);
        rc = write_file(d, o, n - fl + tl);
        free(o);
    } else {
        rc = from ? -1 : write_file(d, b, n);
    }
    free(b);
    return rc;
}

static void make_dir(const char *name, char *out, size_t cap) {
    tpath(out, cap, name);
    mkdir(out, 0777);
}

/* ---- writer ------------------------------------------------------------- */
static void test_writer(void) {
    gw_gguf_writer *w;
    gw_err err = {0};
    CHECK(gw_gguf_writer_new(&w, &err) == GW_OK);
    gw_gguf_writer_set_str(w, "general.architecture", "gemma");
    gw_gguf_writer_set_u32(w, "a.u32", 7);
    gw_gguf_writer_set_u32(w, "a.u32", 9); /* replaces */
    gw_gguf_writer_set_i32(w, "a.i32", -3);
    gw_gguf_writer_set_f32(w, "a.f32", 0.25f);
    gw_gguf_writer_set_bool(w, "a.bool", 1);
    uint8_t bools[3] = {1, 0, 1};
    gw_gguf_writer_set_arr(w, "a.arr", GW_GGUF_BOOL, bools, 3);
    const char *strs[2] = {"x", "yz"};
    gw_gguf_writer_set_arr_str(w, "a.strs", strs, NULL, 2);
    float f[64 * 3];
    for (int i = 0; i < 64 * 3; i++) f[i] = (float)i * 0.5f - 20.0f;
    int64_t ne_a[2] = {64, 3}, ne_b[1] = {5};
    CHECK(gw_gguf_writer_add_tensor(w, "t.f32", GW_TYPE_F32, 2, ne_a, f, sizeof f) == GW_OK);
    uint8_t q[3 * 2 * 34];
    for (int r = 0; r < 3; r++) gw_quantize_row(GW_TYPE_Q8_0, f + 64 * r, q + r * 68, 64);
    CHECK(gw_gguf_writer_add_tensor(w, "t.q8", GW_TYPE_Q8_0, 2, ne_a, q, sizeof q) == GW_OK);
    CHECK(gw_gguf_writer_add_tensor(w, "t.vec", GW_TYPE_F32, 1, ne_b, f, 20) == GW_OK);
    CHECK(gw_gguf_writer_add_tensor(w, "t.vec", GW_TYPE_F32, 1, ne_b, f, 20) != GW_OK); /* duplicate */
    CHECK(gw_gguf_writer_add_tensor(w, "t.bad", GW_TYPE_F32, 1, ne_b, f, 16) != GW_OK);  /* wrong size */

    char path[1200], p2[1300];
    tpath(path, sizeof path, "w.gguf");
    int n = 0;
    CHECKF(gw_gguf_writer_write(w, path, 0, &n, &err) == GW_OK && n == 1, "%s", err.msg);
    gw_gguf_set *s = NULL;
    CHECKF(gw_gguf_set_open(path, &s, &err) == GW_OK, "%s", err.msg);
    if (s) {
        const gw_gguf *g = gw_gguf_set_meta(s);
        uint32_t u = 0;
        int64_t i = 0;
        float x = 0;
        int b = 0, et = 0;
        uint64_t cnt = 0;
        const void *data;
        gw_gguf_str str;
        CHECK(gw_gguf_get_u32(g, "a.u32", &u, &err) == GW_OK && u == 9);
        CHECK(gw_gguf_get_i64(g, "a.i32", &i, &err) == GW_OK && i == -3);
        CHECK(gw_gguf_get_f32(g, "a.f32", &x, &err) == GW_OK && x == 0.25f);
        CHECK(gw_gguf_get_bool(g, "a.bool", &b, &err) == GW_OK && b == 1);
        CHECK(gw_gguf_get_u32(g, "general.alignment", &u, &err) == GW_OK && u == 32);
        CHECK(gw_gguf_get_str(g, "general.architecture", &str, &err) == GW_OK && !strcmp(str.s, "gemma"));
        CHECK(gw_gguf_get_arr(g, "a.arr", &et, &cnt, &data, &err) == GW_OK && et == GW_GGUF_BOOL && cnt == 3 &&
              !memcmp(data, bools, 3));
        CHECK(gw_gguf_get_arr(g, "a.strs", &et, &cnt, &data, &err) == GW_OK && et == GW_GGUF_STRING && cnt == 2 &&
              !strcmp(((const gw_gguf_str *)data)[1].s, "yz"));
        CHECK(gw_gguf_find_key(g, "split.count") < 0);
        const gw_tensor *t = gw_gguf_set_find_tensor(s, "t.f32"), *tq = gw_gguf_set_find_tensor(s, "t.q8");
        CHECK(t && t->type == GW_TYPE_F32 && t->ne[0] == 64 && t->ne[1] == 3 && !memcmp(t->data, f, sizeof f));
        CHECK(tq && tq->type == GW_TYPE_Q8_0 && !memcmp(tq->data, q, sizeof q));
        CHECK(gw_gguf_n_tensors(g) == 3 && gw_gguf_tensor_offset(g, 1) % 32 == 0 && gw_gguf_data_offset(g) % 32 == 0);
        gw_gguf_set_free(s);
    }
    snprintf(p2, sizeof p2, "%s.tmp", path);
    CHECK(!exists(p2));

    /* splits: every tensor in its own file at this size */
    tpath(path, sizeof path, "ws.gguf");
    CHECKF(gw_gguf_writer_write(w, path, 200, &n, &err) == GW_OK && n == 3, "%s n=%d", err.msg, n);
    tpath(p2, sizeof p2, "ws-00003-of-00003.gguf");
    s = NULL;
    CHECKF(gw_gguf_set_open(p2, &s, &err) == GW_OK, "%s", err.msg);
    if (s) {
        CHECK(gw_gguf_set_count(s) == 3);
        const gw_tensor *t = gw_gguf_set_find_tensor(s, "t.vec");
        CHECK(t && !memcmp(t->data, f, 20));
        const gw_gguf *g = gw_gguf_set_meta(s);
        int k = gw_gguf_find_key(g, "split.no");
        CHECK(k >= 0 && gw_gguf_kv_type(g, k) == GW_GGUF_UINT16);
        k = gw_gguf_find_key(g, "split.tensors.count");
        CHECK(k >= 0 && gw_gguf_kv_type(g, k) == GW_GGUF_INT32);
        CHECK(gw_gguf_find_key(g, "a.u32") >= 0);
        gw_gguf_set_free(s);
    }
    /* a failed write leaves nothing behind: the target directory is missing */
    tpath(path, sizeof path, "no-such-dir/x.gguf");
    CHECK(gw_gguf_writer_write(w, path, 300, &n, &err) == GW_E_IO && has(&err, "no-such-dir"));
    gw_gguf_writer_free(w);
}

/* ---- conversion of the fixtures ---------------------------------------- */
static const gw_hf_tensor *hf_t(gw_hf *h, const char *name) { return gw_hf_find(h, name); }

static void test_convert_gemma3(void) {
    char out[1200];
    tpath(out, sizeof out, "g3.gguf");
    gw_convert_opts o = {GW_TYPE_F32, 0};
    gw_err err = {0};
    int n = 0;
    CHECKF(gw_convert_run(HF "gemma3-tiny", out, &o, &n, &err) == GW_OK && n == 1, "%s", err.msg);
    gw_gguf_set *s = NULL;
    CHECKF(gw_gguf_set_open(out, &s, &err) == GW_OK, "%s", err.msg);
    gw_hf *h = NULL;
    CHECKF(gw_hf_open(HF "gemma3-tiny", &h, &err) == GW_OK, "%s", err.msg);
    if (!s || !h) { gw_gguf_set_free(s); gw_hf_close(h); return; }
    const gw_gguf *g = gw_gguf_set_meta(s);
    gw_gguf_str str;
    uint32_t u = 0;
    float x = 0;
    CHECK(gw_gguf_get_str(g, "general.architecture", &str, &err) == GW_OK && !strcmp(str.s, "gemma3"));
    CHECK(gw_gguf_get_u32(g, "gemma3.block_count", &u, &err) == GW_OK && u == 6);
    CHECK(gw_gguf_get_u32(g, "gemma3.embedding_length", &u, &err) == GW_OK && u == 64);
    CHECK(gw_gguf_get_u32(g, "gemma3.feed_forward_length", &u, &err) == GW_OK && u == 160);
    CHECK(gw_gguf_get_u32(g, "gemma3.attention.head_count", &u, &err) == GW_OK && u == 4);
    CHECK(gw_gguf_get_u32(g, "gemma3.attention.head_count_kv", &u, &err) == GW_OK && u == 1);
    CHECK(gw_gguf_get_u32(g, "gemma3.attention.key_length", &u, &err) == GW_OK && u == 16);
    CHECK(gw_gguf_get_u32(g, "gemma3.attention.sliding_window", &u, &err) == GW_OK && u == 8);
    CHECK(gw_gguf_get_u32(g, "gemma3.context_length", &u, &err) == GW_OK && u == 512);
    CHECK(gw_gguf_get_u32(g, "general.file_type", &u, &err) == GW_OK && u == 0);
    CHECK(gw_gguf_get_f32(g, "gemma3.rope.freq_base", &x, &err) == GW_OK && x == 1e6f);
    CHECK(gw_gguf_get_f32(g, "gemma3.rope.freq_base_swa", &x, &err) == GW_OK && x == 1e4f);
    CHECK(gw_gguf_get_f32(g, "gemma3.attention.scale", &x, &err) == GW_OK && x == 0.25f);
    CHECK(gw_gguf_get_f32(g, "gemma3.attention.layer_norm_rms_epsilon", &x, &err) == GW_OK && x == 1e-6f);
    CHECK(gw_gguf_find_key(g, "gemma3.final_logit_softcapping") < 0); /* null in config.json */
    int et = 0;
    uint64_t cnt = 0;
    const void *data = NULL;
    CHECK(gw_gguf_get_arr(g, "gemma3.attention.sliding_window_pattern", &et, &cnt, &data, &err) == GW_OK &&
          et == GW_GGUF_BOOL && cnt == 6 && !memcmp(data, "\1\1\1\1\1\0", 6));
    /* names: 1 + 6 * 13 + 1 tensors, tied output */
    CHECK(gw_gguf_n_tensors(g) == 80);
    CHECK(!gw_gguf_set_find_tensor(s, "output.weight"));
    static const char *names[] = {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "attn_q_norm",
                                  "attn_k_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm", "ffn_gate",
                                  "ffn_up", "ffn_down"};
    char nm[96];
    int missing = 0;
    for (int l = 0; l < 6; l++)
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            snprintf(nm, sizeof nm, "blk.%d.%s.weight", l, names[i]);
            if (!gw_gguf_set_find_tensor(s, nm)) missing++;
        }
    CHECK(missing == 0);
    /* shapes in GGUF order, values: bf16 widened exactly, norms 1 + w */
    const gw_tensor *q = gw_gguf_set_find_tensor(s, "blk.2.attn_q.weight");
    const gw_tensor *kn = gw_gguf_set_find_tensor(s, "blk.2.attn_k_norm.weight");
    const gw_tensor *pf = gw_gguf_set_find_tensor(s, "blk.2.ffn_norm.weight");
    const gw_tensor *on = gw_gguf_set_find_tensor(s, "output_norm.weight");
    CHECK(q && q->type == GW_TYPE_F32 && q->ne[0] == 64 && q->ne[1] == 64);
    CHECK(kn && kn->ndim == 1 && kn->ne[0] == 16);
    float ref[64 * 64];
    const gw_hf_tensor *t = hf_t(h, "model.layers.2.self_attn.q_proj.weight");
    CHECK(t && gw_hf_read_f32(h, t, ref, &err) == GW_OK && q && !memcmp(q->data, ref, sizeof ref));
    t = hf_t(h, "model.layers.2.self_attn.k_norm.weight");
    CHECK(t && gw_hf_read_f32(h, t, ref, &err) == GW_OK && kn && ((float *)kn->data)[3] == ref[3] + 1.0f);
    t = hf_t(h, "model.layers.2.pre_feedforward_layernorm.weight");
    CHECK(t && gw_hf_read_f32(h, t, ref, &err) == GW_OK && pf && ((float *)pf->data)[5] == ref[5] + 1.0f);
    t = hf_t(h, "model.norm.weight");
    CHECK(t && gw_hf_read_f32(h, t, ref, &err) == GW_OK && on && ((float *)on->data)[63] == ref[63] + 1.0f);

    /* the same as splits: every tensor byte-identical */
    char sp[1200], last[1200];
    tpath(sp, sizeof sp, "g3s.gguf");
    o.split_max_bytes = 96000;
    CHECKF(gw_convert_run(HF "gemma3-tiny", sp, &o, &n, &err) == GW_OK && n >= 2, "%s", err.msg);
    tpath(sp, sizeof sp, "g3s");
    gw_split_make_name(last, sizeof last, sp, n, n);
    gw_gguf_set *s2 = NULL;
    CHECKF(gw_gguf_set_open(last, &s2, &err) == GW_OK, "%s", err.msg);
    if (s2) {
        int diff = 0;
        for (int i = 0; i < gw_gguf_n_tensors(g); i++) {
            const gw_tensor *a = gw_gguf_tensor(g, i), *b = gw_gguf_set_find_tensor(s2, a->name);
            if (!b || b->nbytes != a->nbytes || memcmp(a->data, b->data, a->nbytes)) diff++;
        }
        CHECK(diff == 0);
        CHECK(gw_gguf_find_key(gw_gguf_set_meta(s2), "gemma3.block_count") >= 0);
        gw_gguf_set_free(s2);
    }
    gw_gguf_set_free(s);
    gw_hf_close(h);
}

static void test_convert_types(void) {
    static const struct { const char *dir; int type; } cases[] = {
        {"gemma1-mha-bf16-sharded", GW_TYPE_Q8_0}, {"gemma2-tiny", GW_TYPE_Q4_0}, {"gemma1-tiny", GW_TYPE_BF16},
        {"gemma2-tiny", GW_TYPE_F16}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char dir[1200], out[1200];
        snprintf(dir, sizeof dir, HF "%s", cases[c].dir);
        tpath(out, sizeof out, "types.gguf");
        gw_convert_opts o = {cases[c].type, 0};
        gw_err err = {0};
        CHECKF(gw_convert_run(dir, out, &o, NULL, &err) == GW_OK, "%s", err.msg);
        gw_gguf_set *s = NULL;
        CHECKF(gw_gguf_set_open(out, &s, &err) == GW_OK, "%s", err.msg);
        if (!s) continue;
        const gw_gguf *g = gw_gguf_set_meta(s);
        int bad = 0;
        for (int i = 0; i < gw_gguf_n_tensors(g); i++) {
            const gw_tensor *t = gw_gguf_tensor(g, i);
            int want = t->ndim == 1 ? GW_TYPE_F32 : cases[c].type;
            if (t->type != want) bad++;
        }
        CHECKF(bad == 0, "%s %s: %d tensors of the wrong type", cases[c].dir, gw_type_name(cases[c].type), bad);
        uint32_t ft = 99, qv = 0;
        CHECK(gw_gguf_get_u32(g, "general.file_type", &ft, &err) == GW_OK &&
              ft == (uint32_t)gw_convert_file_type(cases[c].type));
        int quant = cases[c].type == GW_TYPE_Q8_0 || cases[c].type == GW_TYPE_Q4_0;
        CHECK((gw_gguf_get_u32(g, "general.quantization_version", &qv, NULL) == GW_OK) == quant);
        if (!strcmp(cases[c].dir, "gemma2-tiny")) {
            float x = 0;
            CHECK(gw_gguf_get_f32(g, "gemma2.final_logit_softcapping", &x, &err) == GW_OK && x == 30.0f);
            CHECK(gw_gguf_get_f32(g, "gemma2.attn_logit_softcapping", &x, &err) == GW_OK && x == 50.0f);
            CHECK(gw_gguf_find_key(g, "gemma2.rope.freq_base_swa") < 0);
            int et = 0;
            uint64_t cnt = 0;
            const void *data = NULL;
            CHECK(gw_gguf_get_arr(g, "gemma2.attention.sliding_window_pattern", &et, &cnt, &data, &err) == GW_OK &&
                  cnt == 4 && !memcmp(data, "\1\0\1\0", 4));
            CHECK(gw_gguf_set_find_tensor(s, "blk.3.post_ffw_norm.weight") != NULL);
        }
        if (!strcmp(cases[c].dir, "gemma1-tiny")) {
            CHECK(gw_gguf_find_key(g, "gemma.attention.sliding_window") < 0);
            CHECK(!gw_gguf_set_find_tensor(s, "blk.0.post_ffw_norm.weight"));
            CHECK(gw_gguf_set_find_tensor(s, "blk.2.ffn_norm.weight") != NULL);
        }
        gw_gguf_set_free(s);
    }
}

/* A row whose length is not a multiple of 32 stays F16 when quantizing. */
static void test_quant_fallback(void) {
    gw_gguf_writer *w;
    gw_err err = {0};
    gw_gguf_writer_new(&w, &err);
    gw_convert_ctx c = {NULL, w, GW_TYPE_Q4_0, "mem", &err};
    float f[48 * 2];
    for (int i = 0; i < 96; i++) f[i] = (float)i / 96.0f;
    int64_t ne_odd[2] = {48, 2}, ne_ok[2] = {32, 3}, ne_v[1] = {96};
    CHECK(gw_convert_add_f32(&c, "odd", 2, ne_odd, f, 0) == GW_OK);
    CHECK(gw_convert_add_f32(&c, "ok", 2, ne_ok, f, 0) == GW_OK);
    CHECK(gw_convert_add_f32(&c, "keep", 2, ne_ok, f, GW_CONV_F32) == GW_OK);
    CHECK(gw_convert_add_f32(&c, "vec", 1, ne_v, f, GW_CONV_NORM) == GW_OK);
    char path[1200];
    tpath(path, sizeof path, "fallback.gguf");
    CHECKF(gw_gguf_writer_write(w, path, 0, NULL, &err) == GW_OK, "%s", err.msg);
    gw_gguf *g = NULL;
    CHECKF(gw_gguf_open_file(path, &g, &err) == GW_OK, "%s", err.msg);
    if (g) {
        const gw_tensor *odd = gw_gguf_find_tensor(g, "odd"), *ok = gw_gguf_find_tensor(g, "ok"),
                        *keep = gw_gguf_find_tensor(g, "keep"), *vec = gw_gguf_find_tensor(g, "vec");
        CHECK(odd && odd->type == GW_TYPE_F16);
        CHECK(ok && ok->type == GW_TYPE_Q4_0);
        CHECK(keep && keep->type == GW_TYPE_F32);
        CHECK(vec && vec->type == GW_TYPE_F32 && ((float *)vec->data)[10] == f[10] + 1.0f);
        gw_gguf_free(g);
    }
    gw_gguf_writer_free(w);
}


/* ---- config.json styles and multimodal layout ---------------------------- */
/* Same metadata (but general.name) and byte-identical tensors. */
static int same_gguf(const char *a_path, const char *b_path) {
    gw_gguf_set *sa = NULL, *sb = NULL;
    gw_err err = {0};
    int ok = gw_gguf_set_open(a_path, &sa, &err) == GW_OK && gw_gguf_set_open(b_path, &sb, &err) == GW_OK;
    if (!ok) fprintf(stderr, "same_gguf: %s\n", err.msg);
    const gw_gguf *a = ok ? gw_gguf_set_meta(sa) : NULL, *b = ok ? gw_gguf_set_meta(sb) : NULL;
    if (ok && gw_gguf_n_kv(a) != gw_gguf_n_kv(b)) {
        fprintf(stderr, "same_gguf: %d vs %d keys\n", gw_gguf_n_kv(a), gw_gguf_n_kv(b));
        ok = 0;
    }
    for (int i = 0; ok && i < gw_gguf_n_kv(a); i++) {
        const char *k = gw_gguf_kv_key(a, i);
        int j = gw_gguf_find_key(b, k), t = gw_gguf_kv_type(a, i);
        if (j < 0 || gw_gguf_kv_type(b, j) != t) { ok = 0; break; }
        if (!strcmp(k, "general.name")) continue;
        uint32_t ua = 0, ub = 0;
        float fa = 0, fb = 0;
        int ba = 0, bb = 0;
        gw_gguf_str xa, xb;
        int ea, eb;
        uint64_t na, nb;
        const void *da, *db;
        if (t == GW_GGUF_UINT32) ok = !gw_gguf_get_u32(a, k, &ua, NULL) && !gw_gguf_get_u32(b, k, &ub, NULL) && ua == ub;
        else if (t == GW_GGUF_FLOAT32) ok = !gw_gguf_get_f32(a, k, &fa, NULL) && !gw_gguf_get_f32(b, k, &fb, NULL) && fa == fb;
        else if (t == GW_GGUF_BOOL) ok = !gw_gguf_get_bool(a, k, &ba, NULL) && !gw_gguf_get_bool(b, k, &bb, NULL) && ba == bb;
        else if (t == GW_GGUF_STRING)
            ok = !gw_gguf_get_str(a, k, &xa, NULL) && !gw_gguf_get_str(b, k, &xb, NULL) && !strcmp(xa.s, xb.s);
        else if (t == GW_GGUF_ARRAY)
            ok = !gw_gguf_get_arr(a, k, &ea, &na, &da, NULL) && !gw_gguf_get_arr(b, k, &eb, &nb, &db, NULL) &&
                 ea == eb && na == nb && (ea == GW_GGUF_STRING || !memcmp(da, db, (size_t)na));
        if (!ok) fprintf(stderr, "same_gguf: key '%s' differs\n", k);
    }
    for (int i = 0; ok && i < gw_gguf_n_tensors(a); i++) {
        const gw_tensor *ta = gw_gguf_tensor(a, i), *tb = gw_gguf_set_find_tensor(sb, ta->name);
        ok = tb && ta->type == tb->type && ta->nbytes == tb->nbytes && !memcmp(ta->data, tb->data, ta->nbytes);
        if (!ok) fprintf(stderr, "same_gguf: tensor '%s' differs\n", ta->name);
    }
    if (ok && gw_gguf_n_tensors(a) != gw_gguf_n_tensors(b)) ok = 0;
    gw_gguf_set_free(sa);
    gw_gguf_set_free(sb);
    return ok;
}

/* gemma3-tiny's text config in the older style (rope_theta,
 * rope_local_base_freq, sliding_window_pattern; torch_dtype). */
#define G3_OLD_TEXT                                                                                          \
    "\"model_type\": \"gemma3_text\", \"head_dim\": 16, \"hidden_size\": 64, \"intermediate_size\": 160, "    \
    "\"max_position_embeddings\": 512, \"num_attention_heads\": 4, \"num_hidden_layers\": 6, "                \
    "\"num_key_value_heads\": 1, \"query_pre_attn_scalar\": 16, \"rms_norm_eps\": 1e-06, "                     \
    "\"rope_theta\": 1000000.0, \"rope_local_base_freq\": 10000.0, \"rope_scaling\": null, "                   \
    "\"sliding_window\": 8, \"sliding_window_pattern\": 6, \"vocab_size\": 1024, "                             \
    "\"final_logit_softcapping\": null, \"attn_logit_softcapping\": null, \"torch_dtype\": \"bfloat16\""

static void test_config_styles(void) {
    char ref[1200], out[1200], d[1200];
    gw_err err = {0};
    gw_convert_opts o = {GW_TYPE_F32, 0};
    tpath(ref, sizeof ref, "styles-ref.gguf");
    CHECKF(gw_convert_run(HF "gemma3-tiny", ref, &o, NULL, &err) == GW_OK, "%s", err.msg);

    /* older config.json fields */
    make_dir("g3-old-config", d, sizeof d);
    char cfg[1400];
    snprintf(cfg, sizeof cfg, "%s/config.json", d);
    const char *old = "{" G3_OLD_TEXT "}";
    CHECK(write_file(cfg, old, strlen(old)) == 0);
    CHECK(copy_file(HF "gemma3-tiny", d, "model.safetensors", 0, NULL, NULL) == 0);
    tpath(out, sizeof out, "styles-old.gguf");
    CHECKF(gw_convert_run(d, out, &o, NULL, &err) == GW_OK, "%s", err.msg);
    CHECK(same_gguf(ref, out));

    /* a multimodal gemma3 checkpoint: text_config, model.language_model.* names,
     * vision tensors ignored */
    make_dir("g3-multimodal", d, sizeof d);
    snprintf(cfg, sizeof cfg, "%s/config.json", d);
    const char *mm = "{\"model_type\": \"gemma3\", \"torch_dtype\": \"bfloat16\", \"text_config\": {" G3_OLD_TEXT
                     "}, \"vision_config\": {\"model_type\": \"siglip_vision_model\"}}";
    CHECK(write_file(cfg, mm, strlen(mm)) == 0);
    size_t n;
    unsigned char *st = test_read_file(HF "gemma3-tiny/model.safetensors", &n);
    CHECK(st != NULL);
    if (st) {
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | st[i];
        /* rename every "model.X" to "model.language_model.X" and add a vision tensor */
        size_t cap = (size_t)hl * 2 + 256, len = 0;
        char *h = malloc(cap);
        for (size_t i = 8; i < 8 + hl; i++) {
            if (i + 7 <= 8 + hl && !memcmp(st + i, "\"model.", 7)) {
                memcpy(h + len, "\"model.language_model.", 22);
                len += 22;
                i += 6;
            } else {
                h[len++] = (char)st[i];
            }
        }
        while (len && h[len - 1] != '}') len--;
        len--; /* drop the closing brace */
        size_t data = n - 8 - (size_t)hl;
        len += (size_t)snprintf(h + len, cap - len,
                                ",\"model.vision_tower.x.weight\":{\"dtype\":\"F32\",\"shape\":[1],"
                                "\"data_offsets\":[%zu,%zu]}}", data, data + 4);
        unsigned char *file = calloc(8 + len + data + 4, 1);
        for (int i = 0; i < 8; i++) file[i] = (unsigned char)((uint64_t)len >> (8 * i));
        memcpy(file + 8, h, len);
        memcpy(file + 8 + len, st + 8 + hl, data);
        char sp[1400];
        snprintf(sp, sizeof sp, "%s/model.safetensors", d);
        CHECK(write_file(sp, file, 8 + len + data + 4) == 0);
        free(file);
        free(h);
        free(st);
        tpath(out, sizeof out, "styles-mm.gguf");
        CHECKF(gw_convert_run(d, out, &o, NULL, &err) == GW_OK, "%s", err.msg);
        CHECK(same_gguf(ref, out));
    }
}

/* ---- hostile checkpoints ------------------------------------------------- */
static int convert_err(const char *dir, gw_err *err) {
    char out[1200];
    tpath(out, sizeof out, "hostile.gguf");
    gw_convert_opts o = {GW_TYPE_F32, 0};
    remove(out);
    int rc = gw_convert_run(dir, out, &o, NULL, err);
    if (rc && exists(out)) return -1; /* nothing written on failure */
    return rc;
}

static void test_hostile(void) {
    char d[1200], src[1200];
    gw_err err = {0};
    int rc;
    snprintf(src, sizeof src, HF "gemma1-tiny");

    /* a config with one more layer than the weights: missing tensor */
    make_dir("more-layers", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, "\"num_hidden_layers\": 3", "\"num_hidden_layers\": 4") == 0);
    CHECK(copy_file(src, d, "model.safetensors", 0, NULL, NULL) == 0);
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_NOT_FOUND && has(&err, "missing tensor 'model.layers.3.input_layernorm.weight'") && has(&err, d),
           "%d %s", rc, err.msg);

    /* a shape that disagrees with the config */
    make_dir("bad-shape", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, "\"intermediate_size\": 160", "\"intermediate_size\": 192") == 0);
    CHECK(copy_file(src, d, "model.safetensors", 0, NULL, NULL) == 0);
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_FORMAT && has(&err, "model.safetensors") && has(&err, "mlp.gate_proj") &&
           has(&err, "[160, 64]") && has(&err, "[192, 64]"), "%d %s", rc, err.msg);

    /* truncated safetensors */
    make_dir("truncated", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, NULL, NULL) == 0);
    CHECK(copy_file(src, d, "model.safetensors", 400000, NULL, NULL) == 0);
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_FORMAT && has(&err, "model.safetensors") && has(&err, "past the end"), "%d %s", rc, err.msg);

    /* no weights at all */
    make_dir("no-weights", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, NULL, NULL) == 0);
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_NOT_FOUND && has(&err, "no model.safetensors"), "%d %s", rc, err.msg);

    /* unknown model_type, broken config.json */
    make_dir("llama", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, "\"model_type\": \"gemma\"", "\"model_type\": \"llama\"") == 0);
    CHECK(copy_file(src, d, "model.safetensors", 0, NULL, NULL) == 0);
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_UNSUPPORTED && has(&err, "config.json") && has(&err, "'llama'"), "%d %s", rc, err.msg);
    make_dir("bad-json", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, "\"model_type\": \"gemma\",", "\"model_type\": \"gemma\" ") == 0);
    CHECK(copy_file(src, d, "model.safetensors", 0, NULL, NULL) == 0);
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_FORMAT && has(&err, "config.json"), "%d %s", rc, err.msg);
    make_dir("bad-value", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, "\"hidden_size\": 64", "\"hidden_size\": \"64\"") == 0);
    CHECK(copy_file(src, d, "model.safetensors", 0, NULL, NULL) == 0);
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_FORMAT && has(&err, "config.json") && has(&err, "hidden_size"), "%d %s", rc, err.msg);

    /* sharded: a shard missing, an index entry whose tensor is not in its shard */
    snprintf(src, sizeof src, HF "gemma1-mha-bf16-sharded");
    make_dir("shard-missing", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, NULL, NULL) == 0);
    CHECK(copy_file(src, d, "model.safetensors.index.json", 0, NULL, NULL) == 0);
    CHECK(copy_file(src, d, "model-00001-of-00003.safetensors", 0, NULL, NULL) == 0);
    CHECK(copy_file(src, d, "model-00003-of-00003.safetensors", 0, NULL, NULL) == 0);
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_NOT_FOUND && has(&err, "model-00002-of-00003.safetensors") && has(&err, "cannot open"),
           "%d %s", rc, err.msg);
    make_dir("index-wrong", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, NULL, NULL) == 0);
    CHECK(copy_file(src, d, "model.safetensors.index.json", 0,
                    "\"model.norm.weight\": \"model-00003-of-00003.safetensors\"",
                    "\"model.norm.weight\": \"model-00001-of-00003.safetensors\"") == 0);
    for (int i = 1; i <= 3; i++) {
        char nm[64];
        snprintf(nm, sizeof nm, "model-%05d-of-00003.safetensors", i);
        CHECK(copy_file(src, d, nm, 0, NULL, NULL) == 0);
    }
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_NOT_FOUND && has(&err, "model-00001-of-00003.safetensors") && has(&err, "'model.norm.weight'"),
           "%d %s", rc, err.msg);
    make_dir("index-escape", d, sizeof d);
    CHECK(copy_file(src, d, "config.json", 0, NULL, NULL) == 0);
    CHECK(copy_file(src, d, "model.safetensors.index.json", 0,
                    "\"model.norm.weight\": \"model-00003-of-00003.safetensors\"",
                    "\"model.norm.weight\": \"../model-00003-of-00003.safetensors\"") == 0);
    rc = convert_err(d, &err);
    CHECKF(rc == GW_E_FORMAT && has(&err, "model.safetensors.index.json") && has(&err, "not a file name"), "%d %s", rc,
           err.msg);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "%s/test_convert_tmp", GW_BUILD_DIR);
    mkdir(tmpdir, 0777);
    test_writer();
    test_convert_gemma3();
    test_convert_types();
    test_quant_fallback();
    test_config_styles();
    test_hostile();
    return test_summary("test_convert");
}
