/* api.c — the C functions the JS package (web/worker.js) calls in the wasm
 * module. One gwapi handle holds a model given as split buffers already in
 * wasm memory (JS fills them chunk by chunk as bytes arrive), the session,
 * the token history of the current chat (so a new turn only prefills what
 * is new), and the last logits. Every function returns a gw error code; the
 * message of the last error is gwapi_errmsg(h).
 *
 * Flow: gwapi_new -> gwapi_split_alloc (per split, file size) -> JS copies
 * each split's bytes into it -> gwapi_build -> gwapi_prompt / gwapi_sample /
 * gwapi_accept ... -> gwapi_free.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#else
#define EMSCRIPTEN_KEEPALIVE
#endif

#include "api.h"
#include "gguf.h"

static int fail(gwapi *h, int code, const char *msg) { return gw_set_err(&h->err, code, "%s", msg); }

EMSCRIPTEN_KEEPALIVE gwapi *gwapi_new(void) { return calloc(1, sizeof(gwapi)); }

EMSCRIPTEN_KEEPALIVE const char *gwapi_errmsg(gwapi *h) { return h ? h->err.msg : "no handle"; }

/* A buffer of size bytes for split idx (0-based), 64-byte aligned; returns
 * NULL when out of memory (the error says so). */
EMSCRIPTEN_KEEPALIVE uint8_t *gwapi_split_alloc(gwapi *h, int idx, uint32_t size) {
    if (!h) return NULL;
    if (idx < 0 || idx >= GWAPI_MAX_SPLITS || h->model) {
        fail(h, GW_E_INVALID, "gwapi_split_alloc: bad split index or model already built");
        return NULL;
    }
    free(h->split[idx]);
    h->split[idx] = NULL;
    size_t alloc = ((size_t)size + 63) & ~(size_t)63;
    if (alloc < (size_t)size) { fail(h, GW_E_NOMEM, "split too large"); return NULL; }
    uint8_t *p = aligned_alloc(64, alloc ? alloc : 64);
    if (!p) {
        gw_set_err(&h->err, GW_E_NOMEM, "out of memory: cannot allocate %u bytes for split %d", size, idx + 1);
        return NULL;
    }
    h->split[idx] = p;
    h->split_size[idx] = size;
    if (idx + 1 > h->n_splits) h->n_splits = idx + 1;
    return p;
}

/* Drop a split buffer (e.g. before refetching it). */
EMSCRIPTEN_KEEPALIVE void gwapi_split_free(gwapi *h, int idx) {
    if (!h || idx < 0 || idx >= GWAPI_MAX_SPLITS || h->model) return;
    free(h->split[idx]);
    h->split[idx] = NULL;
    h->split_size[idx] = 0;
}

/* Checks that the first bytes of a split look like GGUF (magic): 0 or
 * GW_E_FORMAT. Lets JS reject a non-GGUF download early. */
EMSCRIPTEN_KEEPALIVE int gwapi_check_magic(gwapi *h, const uint8_t *p, uint32_t n, const char *name) {
    if (n < 4 || memcmp(p, "GGUF", 4) != 0)
        return gw_set_err(&h->err, GW_E_FORMAT, "%s: not a GGUF file (bad magic)", name);
    return GW_OK;
}

static void free_model(gwapi *h) {
    gwapi_text_free(h->text);
    h->text = NULL;
    gw_session_free(h->sess);
    h->sess = NULL;
    gw_model_free(h->model);
    h->model = NULL;
    free(h->logits);
    h->logits = NULL;
    h->have_logits = 0;
    h->n_hist = 0;
}

static void drop_splits(gwapi *h) {
    for (int i = 0; i < GWAPI_MAX_SPLITS; i++) {
        free(h->split[i]);
        h->split[i] = NULL;
        h->split_size[i] = 0;
    }
    h->n_splits = 0;
}

/* Parse every split's header from its buffer, point the tensors at the
 * data already there (no copy), build the model and a session.
 * names: n_splits NUL-separated names for error messages. */
EMSCRIPTEN_KEEPALIVE int gwapi_build(gwapi *h, const char *names, int n_ctx, int n_threads) {
    if (!h) return GW_E_INVALID;
    if (h->model) return fail(h, GW_E_INVALID, "model already built");
    if (h->n_splits == 0) return fail(h, GW_E_INVALID, "no splits given");
    gw_gguf_set *set = NULL;
    int rc = gw_gguf_set_new(&set, &h->err);
    if (rc) return rc;
    const char *name = names;
    for (int i = 0; i < h->n_splits; i++) {
        const char *nm = name && *name ? name : "model";
        if (name) name += strlen(name) + 1;
        if (!h->split[i]) { gw_gguf_set_free(set); return gw_set_err(&h->err, GW_E_INVALID, "split %d was not loaded", i + 1); }
        gw_gguf *g = NULL;
        size_t need = 0;
        rc = gw_gguf_parse(h->split[i], h->split_size[i], nm, &g, &need, &h->err);
        if (rc == GW_E_NEED_MORE)
            rc = gw_set_err(&h->err, GW_E_FORMAT, "%s: truncated: the header runs past the end of the file (%zu bytes)",
                            nm, h->split_size[i]);
        if (!rc) {
            uint64_t off = gw_gguf_data_offset(g), size = gw_gguf_data_size(g);
            if (off > h->split_size[i] || size > h->split_size[i] - off)
                rc = gw_set_err(&h->err, GW_E_FORMAT,
                                "%s: truncated: the file is %zu bytes but its tensor data runs to byte %llu", nm,
                                h->split_size[i], (unsigned long long)(off + size));
            else
                rc = gw_gguf_attach_data(g, h->split[i] + off, size, &h->err);
        }
        if (rc) { gw_gguf_free(g); gw_gguf_set_free(set); return rc; }
        rc = gw_gguf_set_add(set, g, &h->err);
        if (rc) { gw_gguf_set_free(set); return rc; }
    }
    rc = gw_model_from_gguf_set(set, &h->model, &h->err); /* owns set from here */
    if (rc) return rc;
    /* From here the split buffers hold the model's weights, q4_0/q8_0
     * matrices regrouped in place for the kernels (gw_matmul_prepare): a
     * failure below drops them with the model, so a retry loads them anew
     * instead of parsing rearranged bytes. */
    /* The KV cache's size in 64 bits first: on wasm32 a huge context would
     * overflow size_t in the session's allocation arithmetic. */
    const gw_model_info *in = gw_model_get_info(h->model);
    uint64_t kv = (uint64_t)in->n_layer * (uint64_t)(n_ctx > 0 ? n_ctx : 4096) * (uint64_t)in->n_head_kv *
                  (uint64_t)in->head_dim * 2 * sizeof(float);
    if (n_ctx < 0 || kv > (uint64_t)SIZE_MAX / 2) {
        free_model(h);
        drop_splits(h);
        return gw_set_err(&h->err, GW_E_NOMEM, "out of memory: a context of %d tokens needs %llu bytes of KV cache",
                          n_ctx, (unsigned long long)kv);
    }
    gw_session_opts o = {.n_ctx = n_ctx, .n_threads = n_threads};
    rc = gw_session_new(h->model, &o, &h->sess, &h->err);
    if (!rc) {
        h->logits = malloc((size_t)h->model->info.n_vocab * sizeof(float));
        if (!h->logits) rc = fail(h, GW_E_NOMEM, "out of memory for the logits");
    }
    if (rc) { free_model(h); drop_splits(h); return rc; }
    return GW_OK;
}

/* Model facts, as int32s: arch, n_vocab, n_embd, n_layer, n_head, n_head_kv,
 * head_dim, n_ff, n_ctx_train, sliding_window, weight MiB... see worker.js. */
EMSCRIPTEN_KEEPALIVE const int32_t *gwapi_info(gwapi *h) {
    if (!h || !h->model) return NULL;
    const gw_model_info *in = gw_model_get_info(h->model);
    int32_t *o = h->info;
    o[0] = in->arch; o[1] = in->n_vocab; o[2] = in->n_embd; o[3] = in->n_layer;
    o[4] = in->n_head; o[5] = in->n_head_kv; o[6] = in->head_dim; o[7] = in->n_ff;
    o[8] = in->n_ctx_train; o[9] = in->sliding_window;
    o[10] = (int32_t)(in->weight_bytes & 0x7fffffff); o[11] = (int32_t)(in->weight_bytes >> 31);
    o[12] = in->bos_id; o[13] = in->eos_id; o[14] = in->eot_id;
    o[15] = h->sess ? h->sess->n_ctx : 0;
    return o;
}

EMSCRIPTEN_KEEPALIVE const char *gwapi_arch_name(gwapi *h) {
    return h && h->model ? gw_model_get_info(h->model)->arch_name : "";
}

EMSCRIPTEN_KEEPALIVE uint32_t gwapi_state_bytes(gwapi *h) {
    return h && h->sess ? (uint32_t)gw_session_state_bytes(h->sess) : 0;
}

EMSCRIPTEN_KEEPALIVE int gwapi_n_hist(gwapi *h) { return h ? h->n_hist : 0; }

/* A scratch array of n int32 for passing token ids in and out. */
EMSCRIPTEN_KEEPALIVE int32_t *gwapi_io(gwapi *h, int n) {
    if (!h || n < 0) return NULL;
    if (n > h->cap_io) {
        int32_t *p = realloc(h->io, (size_t)n * sizeof *p);
        if (!p) { fail(h, GW_E_NOMEM, "out of memory"); return NULL; }
        h->io = p;
        h->cap_io = n;
    }
    return h->io;
}

static int hist_push(gwapi *h, const int32_t *t, int n) {
    if (h->n_hist + n > h->cap_hist) {
        int cap = h->cap_hist ? h->cap_hist : 256;
        while (cap < h->n_hist + n) cap *= 2;
        int32_t *p = realloc(h->hist, (size_t)cap * sizeof *p);
        if (!p) return fail(h, GW_E_NOMEM, "out of memory");
        h->hist = p;
        h->cap_hist = cap;
    }
    memcpy(h->hist + h->n_hist, t, (size_t)n * sizeof *t);
    h->n_hist += n;
    return GW_OK;
}

/* Can the session go back to position p (keeping tokens [0, p))? A
 * transformer can when no KV ring has wrapped; a recurrent state cannot. */
static int can_rewind(const gwapi *h, int p) {
    const gw_session *s = h->sess;
    if (p == s->pos) return 1;
    if (h->model->cfg.arch == GW_ARCH_RECURRENTGEMMA) return 0;
    for (int l = 0; l < h->model->cfg.n_layer; l++)
        if (s->kv[l].k && s->kv[l].n_slots < s->pos) return 0;
    return 1;
}

/* Feed a prompt of n tokens (in gwapi_io). keep != 0: a chat turn that may
 * share a prefix with what the session holds: only the tokens after the
 * common prefix are evaluated. keep == 0: start from an empty context.
 * Leaves the last position's logits. Returns GW_OK; *reused (if not NULL)
 * receives how many tokens were reused. */
EMSCRIPTEN_KEEPALIVE int gwapi_prompt(gwapi *h, int n, int keep, int32_t *reused) {
    if (!h || !h->sess) return GW_E_INVALID;
    if (n <= 0 || n > h->cap_io) return fail(h, GW_E_INVALID, "empty prompt");
    const int32_t *t = h->io;
    int common = 0;
    if (keep) {
        while (common < n && common < h->n_hist && h->hist[common] == t[common]) common++;
        if (common == n) common = n - 1; /* must evaluate at least one token for logits */
        while (common > 0 && !can_rewind(h, common)) common = 0;
    }
    if (common == 0) {
        gw_session_reset(h->sess);
        h->n_hist = 0;
    } else {
        h->sess->pos = common;
        h->n_hist = common;
    }
    if (reused) *reused = common;
    h->have_logits = 0;
    int rc = gw_session_eval(h->sess, t + common, n - common, h->logits, 0, &h->err);
    if (rc) { gw_session_reset(h->sess); h->n_hist = 0; return rc; }
    rc = hist_push(h, t + common, n - common);
    if (rc) return rc;
    h->have_logits = 1;
    return GW_OK;
}

/* Feed one token (the one just sampled) and compute the next logits. */
EMSCRIPTEN_KEEPALIVE int gwapi_accept(gwapi *h, int32_t tok) {
    if (!h || !h->sess) return GW_E_INVALID;
    h->have_logits = 0;
    int rc = gw_session_eval(h->sess, &tok, 1, h->logits, 0, &h->err);
    if (rc) return rc;
    rc = hist_push(h, &tok, 1);
    if (rc) return rc;
    h->have_logits = 1;
    return GW_OK;
}

/* Pointer to the current logits (n_vocab floats) or NULL. */
EMSCRIPTEN_KEEPALIVE float *gwapi_logits(gwapi *h) { return h && h->have_logits ? h->logits : NULL; }

EMSCRIPTEN_KEEPALIVE void gwapi_reset(gwapi *h) {
    if (!h || !h->sess) return;
    gw_session_reset(h->sess);
    h->n_hist = 0;
    h->have_logits = 0;
}

EMSCRIPTEN_KEEPALIVE void gwapi_free(gwapi *h) {
    if (!h) return;
    free_model(h);
    for (int i = 0; i < GWAPI_MAX_SPLITS; i++) free(h->split[i]);
    free(h->hist);
    free(h->io);
    free(h);
}

/* Greedy pick from the current logits (-1 when there are none). */
EMSCRIPTEN_KEEPALIVE int32_t gwapi_argmax(gwapi *h) {
    if (!h || !h->have_logits) return -1;
    int n = h->model->info.n_vocab, best = 0;
    for (int i = 1; i < n; i++)
        if (h->logits[i] > h->logits[best]) best = i;
    return best;
}
