/* griffin.c — the RecurrentGemma (Griffin) forward pass over a micro-batch
 * of tokens and its decode state, as transformers' modeling_recurrent_gemma.py
 * computes it in float32:
 *   x = E[tok] * bf16(sqrt(d))
 *   per layer (block_types): h = attn_norm(x) (temporal_pre_norm), then
 *     recurrent: y = gelu_tanh(W_y h + b_y); u = W_x h + b_x;
 *                xi = causal depthwise conv1d(u) (width K, bias);
 *                gx, ga = sigmoid(block-diagonal gates of xi);
 *                log_a = -8 ga softplus(param); a = exp(log_a);
 *                hs = a hs + xi gx sqrt(1 - a^2)   (a = 0, no sqrt at pos 0);
 *                out = W_out (hs * y) + b_out
 *     attention: q,k,v = h W (MQA); RoPE on the first rope_dim dims of each
 *                head; softmax(q.k / sqrt(D)) over the last `window` keys
 *                (the current one included); W_o + b_o
 *     x += out; x += MLP(ffn_norm(x)) with biases (down(gelu(gate) * up)).
 *   logits = cap * tanh(output_norm(x) E^T / cap).
 * Decode state, of a fixed size whatever the position: per recurrent layer
 * the last K-1 conv inputs and hs; per attention layer a ring of
 * window + n_batch - 1 keys/values (a batch writes before it reads). So a
 * session has no context limit (n_ctx is ignored).  */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rglru.h"

typedef struct {
    float *x, *xn, *q, *k, *v, *att, *o, *g, *u;      /* attention + MLP */
    float *ry, *rx, *rc, *gx, *ga, *log_a;             /* recurrent block */
    float *scores;
    int max_slots;
} gr_scratch;

static void scratch_layout(gw_session *s, gr_scratch *w, size_t *total) {
    const gw_config *c = &s->model->cfg;
    size_t B = (size_t)s->n_batch, d = c->n_embd, qd = (size_t)c->n_head * c->head_dim,
           kvd = (size_t)c->n_head_kv * c->head_dim, ff = c->n_ff, lw = c->lru_width;
    int nth = gw_pool_size(s->pool);
    int max_slots = 0;
    for (int l = 0; l < c->n_layer; l++)
        if (s->kv[l].n_slots > max_slots) max_slots = s->kv[l].n_slots;
    float *p = s->scratch;
    size_t off = 0;
#define TAKE(field, count) do { if (w) w->field = p ? p + off : NULL; off += ((count) + 15) & ~(size_t)15; } while (0)
    TAKE(x, B * d);
    TAKE(xn, B * d);
    TAKE(q, B * qd);
    TAKE(k, B * kvd);
    TAKE(v, B * kvd);
    TAKE(att, B * qd);
    TAKE(o, B * d);
    TAKE(g, B * ff);
    TAKE(u, B * ff);
    TAKE(ry, B * lw);
    TAKE(rx, B * lw);
    TAKE(rc, B * lw);
    TAKE(gx, B * lw);
    TAKE(ga, B * lw);
    TAKE(log_a, lw);
    TAKE(scores, (size_t)nth * (max_slots > 0 ? max_slots : 1));
#undef TAKE
    if (w) w->max_slots = max_slots;
    if (total) *total = off;
}

int gw_griffin_session_init(gw_session *s, gw_err *err) {
    const gw_config *c = &s->model->cfg;
    size_t kvd = (size_t)c->n_head_kv * c->head_dim, lw = (size_t)c->lru_width;
    size_t nconv = (size_t)(c->conv_width - 1) * lw;
    /* no context limit: the state has the same size at any position (the
     * generation loop and eval check n_ctx only to protect a KV cache) */
    s->n_ctx = INT_MAX;
    s->state_bytes = 0;
    for (int l = 0; l < c->n_layer; l++) {
        if (c->layer_kind[l] == GW_LAYER_ATTENTION) {
            int slots = c->sliding_window + s->n_batch - 1;
            s->kv[l].n_slots = slots;
            s->kv[l].k = malloc((size_t)slots * kvd * sizeof(float));
            s->kv[l].v = malloc((size_t)slots * kvd * sizeof(float));
            if (!s->kv[l].k || !s->kv[l].v)
                return gw_set_err(err, GW_E_NOMEM, "out of memory for the attention ring (%d positions)", slots);
            s->state_bytes += 2 * (size_t)slots * kvd * sizeof(float);
        } else {
            s->rg[l].conv = calloc(nconv ? nconv : 1, sizeof(float));
            s->rg[l].h = calloc(lw, sizeof(float));
            if (!s->rg[l].conv || !s->rg[l].h)
                return gw_set_err(err, GW_E_NOMEM, "out of memory for the recurrent state");
            s->state_bytes += (nconv + lw) * sizeof(float);
        }
    }
    size_t total;
    scratch_layout(s, NULL, &total);
    s->scratch = malloc(total * sizeof(float));
    if (!s->scratch) return gw_set_err(err, GW_E_NOMEM, "out of memory for scratch buffers");
    s->scratch_floats = total;
    return GW_OK;
}

void gw_griffin_session_reset(gw_session *s) {
    const gw_config *c = &s->model->cfg;
    size_t lw = (size_t)c->lru_width, nconv = (size_t)(c->conv_width - 1) * lw;
    for (int l = 0; l < c->n_layer; l++) {
        if (s->rg[l].conv) memset(s->rg[l].conv, 0, nconv * sizeof(float));
        if (s->rg[l].h) memset(s->rg[l].h, 0, lw * sizeof(float));
    }
}

void gw_griffin_session_free(gw_session *s) {
    if (!s) return;
    for (int l = 0; l < GW_MAX_LAYERS; l++) {
        free(s->rg[l].conv);
        free(s->rg[l].h);
        s->rg[l].conv = s->rg[l].h = NULL;
    }
}

/* ---- local attention over the ring, parallel over (token, head) ---------- */
typedef struct {
    const gw_config *c;
    const gw_kv_layer *kv;
    const float *q;
    float *att, *scores;
    int max_slots, n, pos;
} attn_task;

static void attn_worker(void *arg, int ith, int nth) {
    attn_task *a = arg;
    const gw_config *c = a->c;
    int H = c->n_head, D = c->head_dim, group = c->n_head / c->n_head_kv;
    size_t qd = (size_t)H * D, kvd = (size_t)c->n_head_kv * D;
    float *sc = a->scores + (size_t)ith * a->max_slots;
    for (int idx = ith; idx < a->n * H; idx += nth) {
        int t = idx / H, h = idx % H, kvh = h / group;
        int p = a->pos + t;
        int first = p - c->sliding_window + 1;
        if (first < 0) first = 0;
        const float *q = a->q + (size_t)t * qd + (size_t)h * D;
        int nk = p - first + 1;
        for (int j = 0; j < nk; j++) {
            int slot = (first + j) % a->kv->n_slots;
            sc[j] = gw_dot_f32(q, a->kv->k + (size_t)slot * kvd + (size_t)kvh * D, D) * c->attn_scale;
        }
        gw_softmax(sc, nk);
        float *out = a->att + (size_t)t * qd + (size_t)h * D;
        memset(out, 0, (size_t)D * sizeof(float));
        for (int j = 0; j < nk; j++) {
            int slot = (first + j) % a->kv->n_slots;
            gw_axpy_f32(out, sc[j], a->kv->v + (size_t)slot * kvd + (size_t)kvh * D, D);
        }
    }
}

/* y[t] += b for n rows of m (b: an f32 bias vector, or NULL) */
static void add_bias(float *y, const gw_tensor *b, int n, int m) {
    if (!b) return;
    const float *bv = b->data;
    for (int t = 0; t < n; t++)
        for (int i = 0; i < m; i++) y[(size_t)t * m + i] += bv[i];
}

static void add_into(float *x, const float *y, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}

/* y = W x + b over n tokens */
static int linear(gw_session *s, const gw_tensor *W, const gw_tensor *b, const float *x, int n, float *y) {
    int rc = gw_matmul(s->pool, W, x, n, y);
    if (rc) return rc;
    add_bias(y, b, n, (int)W->ne[1]);
    return GW_OK;
}

static int attention_block(gw_session *s, int l, gr_scratch *w, int n, gw_err *err) {
    const gw_config *c = &s->model->cfg;
    const gw_layer *L = &s->model->layers[l];
    gw_kv_layer *kv = &s->kv[l];
    const int D = c->head_dim, H = c->n_head, K = c->n_head_kv;
    const size_t qd = (size_t)H * D, kvd = (size_t)K * D;
    int rc;
    if ((rc = gw_matmul(s->pool, L->attn_q, w->xn, n, w->q)) ||
        (rc = gw_matmul(s->pool, L->attn_k, w->xn, n, w->k)) ||
        (rc = gw_matmul(s->pool, L->attn_v, w->xn, n, w->v)))
        return gw_set_err(err, rc, "layer %d: attention projection failed", l);
    for (int t = 0; t < n; t++) {
        int p = s->pos + t;
        for (int h = 0; h < H; h++) gw_rope_freqs(w->q + (size_t)t * qd + (size_t)h * D, c->rope_dim, p, c->rope_freq);
        for (int h = 0; h < K; h++) gw_rope_freqs(w->k + (size_t)t * kvd + (size_t)h * D, c->rope_dim, p, c->rope_freq);
        int slot = p % kv->n_slots;
        memcpy(kv->k + (size_t)slot * kvd, w->k + (size_t)t * kvd, kvd * sizeof(float));
        memcpy(kv->v + (size_t)slot * kvd, w->v + (size_t)t * kvd, kvd * sizeof(float));
    }
    attn_task at = {c, kv, w->q, w->att, w->scores, w->max_slots, n, s->pos};
    gw_pool_run(s->pool, attn_worker, &at);
    if ((rc = linear(s, L->attn_o, L->attn_o_b, w->att, n, w->o)))
        return gw_set_err(err, rc, "layer %d: attention output failed", l);
    return GW_OK;
}

static int recurrent_block(gw_session *s, int l, gr_scratch *w, int n, gw_err *err) {
    const gw_config *c = &s->model->cfg;
    const gw_layer *L = &s->model->layers[l];
    gw_rg_state *st = &s->rg[l];
    const int lw = c->lru_width, nb = c->n_lru_blocks;
    int rc;
    if ((rc = linear(s, L->rg_y, L->rg_y_b, w->xn, n, w->ry)) ||
        (rc = linear(s, L->rg_x, L->rg_x_b, w->xn, n, w->rx)))
        return gw_set_err(err, rc, "layer %d: recurrent block input projection failed", l);
    gw_gelu_tanh(w->ry, w->ry, n * lw);
    gw_conv1d_causal(w->rc, w->rx, n, lw, L->rg_conv->data, L->rg_conv_b->data, c->conv_width, st->conv);
    gw_blockdiag_matmul(s->pool, w->gx, w->rc, n, L->rg_in_gate->data, L->rg_in_gate_b->data, nb, lw / nb);
    gw_blockdiag_matmul(s->pool, w->ga, w->rc, n, L->rg_a_gate->data, L->rg_a_gate_b->data, nb, lw / nb);
    gw_rglru_log_a_scale(w->log_a, L->rg_a_param->data, lw);
    /* out = h * y, written over rx */
    gw_rglru(w->rx, w->rc, w->gx, w->ga, w->ry, w->log_a, st->h, n, lw, s->pos);
    if ((rc = linear(s, L->rg_out, L->rg_out_b, w->rx, n, w->o)))
        return gw_set_err(err, rc, "layer %d: recurrent block output projection failed", l);
    return GW_OK;
}

int gw_griffin_forward(gw_session *s, const int32_t *tokens, int n, float *logits, int all_logits,
                       gw_err *err) {
    const gw_model *m = s->model;
    const gw_config *c = &m->cfg;
    gr_scratch w;
    scratch_layout(s, &w, NULL);
    const int d = c->n_embd;
    int rc;

    for (int t = 0; t < n; t++) {
        float *xt = w.x + (size_t)t * d;
        rc = gw_tensor_row(m->tok_embd, tokens[t], xt);
        if (rc) return gw_set_err(err, rc, "token embedding: unsupported type");
        for (int i = 0; i < d; i++) xt[i] *= c->embd_scale;
    }

    for (int l = 0; l < c->n_layer; l++) {
        const gw_layer *L = &m->layers[l];
        for (int t = 0; t < n; t++)
            gw_rmsnorm(w.xn + (size_t)t * d, w.x + (size_t)t * d, L->attn_norm->data, d, c->rms_eps);
        rc = c->layer_kind[l] == GW_LAYER_ATTENTION ? attention_block(s, l, &w, n, err)
                                                    : recurrent_block(s, l, &w, n, err);
        if (rc) return rc;
        add_into(w.x, w.o, (size_t)n * d);

        for (int t = 0; t < n; t++)
            gw_rmsnorm(w.xn + (size_t)t * d, w.x + (size_t)t * d, L->ffn_norm->data, d, c->rms_eps);
        if ((rc = linear(s, L->ffn_gate, L->ffn_gate_b, w.xn, n, w.g)) ||
            (rc = linear(s, L->ffn_up, L->ffn_up_b, w.xn, n, w.u)))
            return gw_set_err(err, rc, "layer %d: MLP failed", l);
        gw_gelu_tanh_mul(w.g, w.g, w.u, n * c->n_ff);
        if ((rc = linear(s, L->ffn_down, L->ffn_down_b, w.g, n, w.o)))
            return gw_set_err(err, rc, "layer %d: MLP down projection failed", l);
        add_into(w.x, w.o, (size_t)n * d);
    }

    if (!logits) return GW_OK;
    int first = all_logits ? 0 : n - 1, rows = n - first;
    for (int t = first; t < n; t++)
        gw_rmsnorm(w.xn + (size_t)t * d, w.x + (size_t)t * d, m->output_norm->data, d, c->rms_eps);
    if ((rc = gw_matmul(s->pool, m->output, w.xn + (size_t)first * d, rows, logits)))
        return gw_set_err(err, rc, "output projection failed");
    if (c->final_softcap > 0) gw_softcap(logits, rows * c->n_vocab, c->final_softcap);
    return GW_OK;
}
