/* fuzz_griffin.c — libFuzzer target for RecurrentGemma model building from
 * a hostile GGUF (core/model/griffin_config.c: recurrentgemma.* metadata and
 * tensor binding with shape checks) and, when the model builds and is
 * small, a session over a few tokens (prefill, then decode past the
 * attention window), so every size the config derives is exercised.
 * Seed: tests/fuzz/corpus/fuzz_griffin/tiny.gguf
 * (tools/fixtures/make_griffin_fuzz_seed.py). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemwasm.h"
#include "model.h"

static volatile float sink;

static void run_session(gw_model *m) {
    const gw_config *c = &m->cfg;
    /* keep allocations bounded: the input bounds the weights, not the ring */
    if (c->sliding_window > 4096 || c->n_vocab > 4096) return;
    gw_err err;
    gw_session *s = NULL;
    gw_session_opts o = {0};
    o.n_batch = 3;
    if (gw_session_new(m, &o, &s, &err)) return;
    int32_t toks[8];
    for (int i = 0; i < 8; i++) toks[i] = (int32_t)((i * 7 + 2) % c->n_vocab);
    float *logits = malloc((size_t)c->n_vocab * 8 * sizeof(float));
    if (logits && gw_session_eval(s, toks, 5, logits, 1, &err) == GW_OK) {
        for (int i = 5; i < 8; i++)
            if (gw_session_eval(s, toks + i, 1, logits, 0, &err)) break;
        sink += logits[0];
    }
    free(logits);
    gw_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gw_gguf *g = NULL;
    gw_err err;
    err.msg[0] = 0;
    size_t need = 0;
    if (gw_gguf_parse(data, size, "fuzz.gguf", &g, &need, &err)) return 0;
    uint64_t off = gw_gguf_data_offset(g), len = gw_gguf_data_size(g);
    if (off > size || len > size - off || gw_gguf_attach_data(g, data + off, len, &err)) {
        gw_gguf_free(g);
        return 0;
    }
    gw_gguf_set *s = NULL;
    if (gw_gguf_set_new(&s, &err)) { gw_gguf_free(g); return 0; }
    if (gw_gguf_set_add(s, g, &err) || gw_gguf_set_validate(s, &err)) { gw_gguf_set_free(s); return 0; }
    gw_model *m = NULL;
    int rc = gw_model_from_gguf_set(s, &m, &err); /* takes s */
    if (rc) {
        if (m || err.msg[0] == 0) __builtin_trap();
        return 0;
    }
    run_session(m);
    gw_model_free(m);
    return 0;
}
