/* test_griffin_convert.c — RecurrentGemma through the converter and the
 * model builder: hf-tiny/recurrentgemma-tiny converted (f32 and q4_0) has
 * the recurrentgemma.* keys, tensor names, types and layouts of
 * docs/gguf-format.md (tap-major conv, gate blocks kept [heads][in][out],
 * flattened gate biases, 1 + w norms) and builds a model whose config
 * matches the checkpoint's; hostile config.json values and hostile GGUF
 * metadata are refused with a clear error naming the file and the key. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "convert.h"
#include "gguf_file.h"
#include "hf_checkpoint.h"
#include "model.h"
#include "testutil.h"

#define TINY GW_FIXTURES "/hf-tiny/recurrentgemma-tiny"

static char tmpdir[1024];

static void tpath(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", tmpdir, name); }
static int has(const gw_err *e, const char *s) { return strstr(e->msg, s) != NULL; }

static uint32_t u32(const gw_gguf *g, const char *key) {
    uint32_t v = 0;
    gw_err err = {0};
    return gw_gguf_get_u32(g, key, &v, &err) == GW_OK ? v : 0xffffffffu;
}

static float f32v(const gw_gguf *g, const char *key) {
    float v = NAN;
    gw_err err = {0};
    gw_gguf_get_f32(g, key, &v, &err);
    return v;
}

static int shape_is(const gw_tensor *t, int type, int64_t a, int64_t b, int64_t c) {
    return t && t->type == type && t->ne[0] == a && t->ne[1] == b && t->ne[2] == c;
}

/* HF tensor as f32 (malloc'd), or NULL */
static float *hf_f32(gw_hf *h, const char *name, size_t *n) {
    gw_err err = {0};
    const gw_hf_tensor *t = gw_hf_find(h, name);
    if (!t) return NULL;
    size_t cnt = 1;
    for (int d = 0; d < t->ndim; d++) cnt *= (size_t)t->shape[d];
    float *p = malloc(cnt * sizeof *p);
    if (p && gw_hf_read_f32(h, t, p, &err)) { free(p); p = NULL; }
    if (n) *n = cnt;
    return p;
}

static void test_layout(void) {
    char out[1200];
    gw_err err = {0};
    tpath(out, sizeof out, "rg-f32.gguf");
    gw_convert_opts o = {GW_TYPE_F32, 0};
    CHECKF(gw_convert_run(TINY, out, &o, NULL, &err) == GW_OK, "%s", err.msg);
    gw_gguf_set *s = NULL;
    CHECKF(gw_gguf_set_open(out, &s, &err) == GW_OK, "%s", err.msg);
    gw_hf *h = NULL;
    CHECKF(gw_hf_open(TINY, &h, &err) == GW_OK, "%s", err.msg);
    if (!s || !h) { gw_gguf_set_free(s); gw_hf_close(h); return; }
    const gw_gguf *g = gw_gguf_set_meta(s);
    gw_gguf_str arch;
    CHECK(gw_gguf_get_str(g, "general.architecture", &arch, &err) == GW_OK && !strcmp(arch.s, "recurrentgemma"));
    CHECK(u32(g, "recurrentgemma.block_count") == 6);
    CHECK(u32(g, "recurrentgemma.embedding_length") == 64);
    CHECK(u32(g, "recurrentgemma.feed_forward_length") == 96); /* intermediate_size 192 / 2 */
    CHECK(u32(g, "recurrentgemma.attention.head_count") == 4);
    CHECK(u32(g, "recurrentgemma.attention.head_count_kv") == 1);
    CHECK(u32(g, "recurrentgemma.attention.key_length") == 16);
    CHECK(u32(g, "recurrentgemma.attention.sliding_window") == 16);
    CHECK(u32(g, "recurrentgemma.rope.dimension_count") == 8); /* partial_rotary_factor 0.5 */
    CHECK(u32(g, "recurrentgemma.rg_lru_width") == 64);
    CHECK(u32(g, "recurrentgemma.conv_kernel") == 4);
    CHECK(f32v(g, "recurrentgemma.final_logit_softcapping") == 30.0f);
    CHECK(f32v(g, "recurrentgemma.rope.freq_base") == 10000.0f);
    int et = 0;
    uint64_t nbt = 0;
    const void *bt = NULL;
    CHECK(gw_gguf_get_arr(g, "recurrentgemma.block_types", &et, &nbt, &bt, &err) == GW_OK && et == GW_GGUF_STRING &&
          nbt == 6 && !strcmp(((const gw_gguf_str *)bt)[2].s, "attention") &&
          !strcmp(((const gw_gguf_str *)bt)[4].s, "recurrent"));

    const gw_tensor *conv = gw_gguf_set_find_tensor(s, "blk.0.rg_conv1d.weight");
    CHECK(shape_is(conv, GW_TYPE_F32, 64, 4, 1));
    float *hconv = hf_f32(h, "model.layers.0.temporal_block.conv_1d.weight", NULL); /* [64][1][4] */
    if (conv && hconv) {
        int ok = 1;
        const float *c = conv->data;
        for (int ch = 0; ch < 64; ch++)
            for (int k = 0; k < 4; k++) ok &= c[k * 64 + ch] == hconv[ch * 4 + k];
        CHECKF(ok, "rg_conv1d.weight is not the tap-major transpose of conv_1d.weight");
    }
    free(hconv);
    const gw_tensor *gate = gw_gguf_set_find_tensor(s, "blk.1.rg_lru.a_gate.weight");
    CHECK(shape_is(gate, GW_TYPE_F32, 16, 16, 4));
    size_t n = 0;
    float *hgate = hf_f32(h, "model.layers.1.temporal_block.rg_lru.recurrent_gate_weight", &n);
    CHECK(gate && hgate && n == 16 * 16 * 4 && !memcmp(gate->data, hgate, n * sizeof(float)));
    free(hgate);
    const gw_tensor *gb = gw_gguf_set_find_tensor(s, "blk.1.rg_lru.input_gate.bias");
    float *hgb = hf_f32(h, "model.layers.1.temporal_block.rg_lru.input_gate_bias", &n);
    CHECK(shape_is(gb, GW_TYPE_F32, 64, 1, 1) && hgb && n == 64 && !memcmp(gb->data, hgb, 64 * sizeof(float)));
    free(hgb);
    const gw_tensor *norm = gw_gguf_set_find_tensor(s, "blk.3.attn_norm.weight");
    float *hn = hf_f32(h, "model.layers.3.temporal_pre_norm.weight", NULL);
    CHECK(norm && hn && ((const float *)norm->data)[5] == hn[5] + 1.0f);
    free(hn);
    CHECK(gw_gguf_set_find_tensor(s, "blk.2.attn_output.bias") != NULL);
    CHECK(gw_gguf_set_find_tensor(s, "blk.2.rg_x.weight") == NULL);
    CHECK(gw_gguf_set_find_tensor(s, "blk.0.attn_q.weight") == NULL);
    CHECK(gw_gguf_set_find_tensor(s, "output.weight") == NULL); /* tied */

    gw_model *m = NULL;
    CHECKF(gw_model_from_gguf_set(s, &m, &err) == GW_OK, "%s", err.msg); /* takes s */
    if (m) {
        const gw_config *c = &m->cfg;
        CHECK(c->arch == GW_ARCH_RECURRENTGEMMA && c->n_vocab == 1024 && c->n_layer == 6 && c->n_ff == 96);
        CHECK(c->layer_kind[2] == GW_LAYER_ATTENTION && c->layer_kind[5] == GW_LAYER_ATTENTION &&
              c->layer_kind[3] == GW_LAYER_RECURRENT);
        CHECK(c->lru_width == 64 && c->n_lru_blocks == 4 && c->conv_width == 4 && c->rope_dim == 8);
        CHECK(c->embd_scale == 8.0f && c->final_softcap == 30.0f && c->sliding_window == 16);
        gw_model_free(m);
    }
    gw_hf_close(h);

    /* q4_0: matmul weights quantized, the tied embedding kept at q8_0,
     * conv taps and gate blocks f32 */
    tpath(out, sizeof out, "rg-q4.gguf");
    gw_convert_opts q = {GW_TYPE_Q4_0, 0};
    CHECKF(gw_convert_run(TINY, out, &q, NULL, &err) == GW_OK, "%s", err.msg);
    s = NULL;
    CHECKF(gw_gguf_set_open(out, &s, &err) == GW_OK, "%s", err.msg);
    if (s) {
        CHECK(shape_is(gw_gguf_set_find_tensor(s, "token_embd.weight"), GW_TYPE_Q8_0, 64, 1024, 1));
        CHECK(shape_is(gw_gguf_set_find_tensor(s, "blk.0.rg_x.weight"), GW_TYPE_Q4_0, 64, 64, 1));
        CHECK(shape_is(gw_gguf_set_find_tensor(s, "blk.0.rg_conv1d.weight"), GW_TYPE_F32, 64, 4, 1));
        CHECK(shape_is(gw_gguf_set_find_tensor(s, "blk.0.rg_lru.input_gate.weight"), GW_TYPE_F32, 16, 16, 4));
        CHECK(shape_is(gw_gguf_set_find_tensor(s, "blk.0.ffn_down.weight"), GW_TYPE_Q4_0, 96, 64, 1));
        gw_model *mq = NULL;
        CHECKF(gw_model_from_gguf_set(s, &mq, &err) == GW_OK, "%s", err.msg);
        gw_model_free(mq);
    }
}

/* A copy of the tiny checkpoint whose config.json has `from` replaced by `to`. */
static int hostile_config(const char *name, const char *from, const char *to, char *dir, size_t cap) {
    tpath(dir, cap, name);
    mkdir(dir, 0777);
    size_t n;
    unsigned char *cfg = test_read_file(TINY "/config.json", &n);
    size_t stn = 0;
    unsigned char *st = test_read_file(TINY "/model.safetensors", &stn);
    char *hit = cfg ? strstr((char *)cfg, from) : NULL;
    int rc = -1;
    if (hit && st) {
        char path[1400];
        snprintf(path, sizeof path, "%s/config.json", dir);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(cfg, 1, (size_t)(hit - (char *)cfg), f);
            fputs(to, f);
            fputs(hit + strlen(from), f);
            fclose(f);
        }
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        f = fopen(path, "wb");
        if (f) {
            rc = fwrite(st, 1, stn, f) == stn ? 0 : -1;
            fclose(f);
        }
    }
    free(cfg);
    free(st);
    return rc;
}

static void test_hostile_config(void) {
    static const struct { const char *name, *from, *to, *want; } cases[] = {
        {"bad-block", "\"attention\"\n", "\"mamba\"\n", "block_types"},
        {"no-block", "\"block_types\"", "\"block_typez\"", "block_types"},
        {"bad-lru", "\"lru_width\": 64", "\"lru_width\": 62", "lru_width"},
        {"bad-conv", "\"conv1d_width\": 4", "\"conv1d_width\": 3", "conv_1d.weight"},
        {"bias", "\"attention_bias\": false", "\"attention_bias\": true", "attention_bias"},
        {"act", "\"gelu_pytorch_tanh\"", "\"relu\"", "hidden_activation"},
        {"window", "\"attention_window_size\": 16", "\"attention_window_size\": 0", "attention_window_size"},
        {"heads", "\"num_attention_heads\": 4", "\"num_attention_heads\": 3", "config.json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char dir[1200], out[1400];
        if (hostile_config(cases[i].name, cases[i].from, cases[i].to, dir, sizeof dir)) {
            CHECKF(0, "could not make case %s", cases[i].name);
            continue;
        }
        snprintf(out, sizeof out, "%s/out.gguf", dir);
        gw_err err = {0};
        gw_convert_opts o = {GW_TYPE_F32, 0};
        int rc = gw_convert_run(dir, out, &o, NULL, &err);
        CHECKF(rc != GW_OK && has(&err, cases[i].want), "case %s: rc %d, '%s'", cases[i].name, rc, err.msg);
        struct stat st;
        CHECKF(stat(out, &st) != 0, "case %s left an output file", cases[i].name);
    }
}

/* GGUF metadata the runtime must refuse (griffin_config.c). */
static void test_hostile_metadata(void) {
    static const struct { const char *what, *want; } cases[] = {
        {"no-block-types", "block_types"},     {"bad-block-type", "expected 'recurrent' or 'attention'"},
        {"lru-not-multiple", "rg_lru_width"},  {"window-zero", "sliding_window"},
        {"no-window", "sliding_window"},       {"rope-odd", "rope.dimension_count"},
        {"conv-huge", "conv_kernel"},          {"missing-tensor", "missing tensor"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *w = cases[i].what;
        gw_gguf_writer *wr = NULL;
        gw_err err = {0};
        if (gw_gguf_writer_new(&wr, &err)) { CHECK(0); continue; }
        gw_gguf_writer_set_str(wr, "general.architecture", "recurrentgemma");
        gw_gguf_writer_set_u32(wr, "recurrentgemma.block_count", 3);
        gw_gguf_writer_set_u32(wr, "recurrentgemma.embedding_length", 32);
        gw_gguf_writer_set_u32(wr, "recurrentgemma.feed_forward_length", 64);
        gw_gguf_writer_set_u32(wr, "recurrentgemma.attention.head_count", 2);
        gw_gguf_writer_set_u32(wr, "recurrentgemma.attention.head_count_kv", 1);
        gw_gguf_writer_set_u32(wr, "recurrentgemma.rg_lru_width", strcmp(w, "lru-not-multiple") ? 32 : 33);
        gw_gguf_writer_set_u32(wr, "recurrentgemma.conv_kernel", strcmp(w, "conv-huge") ? 4 : 1000);
        if (!strcmp(w, "rope-odd")) gw_gguf_writer_set_u32(wr, "recurrentgemma.rope.dimension_count", 7);
        if (strcmp(w, "no-window"))
            gw_gguf_writer_set_u32(wr, "recurrentgemma.attention.sliding_window", strcmp(w, "window-zero") ? 8 : 0);
        const char *types[3] = {"recurrent", "recurrent", strcmp(w, "bad-block-type") ? "attention" : "ssm"};
        if (strcmp(w, "no-block-types")) gw_gguf_writer_set_arr_str(wr, "recurrentgemma.block_types", types, NULL, 3);
        float e[32 * 8] = {0};
        const int64_t ne[2] = {32, 8};
        gw_gguf_writer_add_tensor(wr, "token_embd.weight", GW_TYPE_F32, 2, ne, e, sizeof e);
        char path[1200];
        tpath(path, sizeof path, "meta.gguf");
        int rc = gw_gguf_writer_write(wr, path, 0, NULL, &err);
        gw_gguf_writer_free(wr);
        CHECKF(rc == GW_OK, "%s", err.msg);
        gw_gguf_set *s = NULL;
        rc = gw_gguf_set_open(path, &s, &err);
        CHECKF(rc == GW_OK, "%s", err.msg);
        if (rc) continue;
        gw_model *m = NULL;
        rc = gw_model_from_gguf_set(s, &m, &err);
        CHECKF(rc != GW_OK && has(&err, cases[i].want) && has(&err, "meta.gguf"), "case %s: rc %d, '%s'", w, rc,
               err.msg);
        gw_model_free(m);
    }
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "%s/test_griffin_convert_tmp", GW_BUILD_DIR);
    mkdir(tmpdir, 0777);
    test_layout();
    test_hostile_config();
    test_hostile_metadata();
    return test_summary("test_griffin_convert");
}
