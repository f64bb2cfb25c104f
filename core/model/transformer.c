/* transformer.c — the Gemma 1/2/3 forward pass over a micro-batch of
 * tokens, as transformers' modeling_gemma{,2,3}.py compute it in float32:
 *   x = E[tok] * sqrt(d)
 *   per layer: h = attn_norm(x); q,k,v = h W; (gemma3: q/k RMSNorm per head);
 *     RoPE (half split; local theta on sliding layers); scores = q.k * scale,
 *     (gemma2: soft-cap), causal + sliding-window mask, softmax, * v, W_o;
 *     (gemma2/3: post_attention_norm); x += ...;
 *     MLP: down(gelu_tanh(gate h) * up h) on ffn_norm(x), (gemma2/3:
 *     post_ffw_norm); x += ...
 *   logits = output_norm(x) E^T, (gemma2: final soft-cap).
 * The KV cache keeps every position for global layers and a ring of
 * window + n_batch - 1 positions for sliding layers. */
#include <stdlib.h>

#include "model.h"

typedef struct {
    float *x, *xn, *q, *k, *v, *att, *o, *g, *u, *scores;
    int max_slots;
} tf_scratch;

static void scratch_layout(gw_session *s, tf_scratch *w, size_t *total) {
    const gw_config *c = &s->model->cfg;
    size_t B = (size_t)s->n_batch, d = c->n_embd, qd = (size_t)c->n_head * c->head_dim,
           kvd = (size_t)c->n_head_kv * c->head_dim, ff = c->n_ff;
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
    TAKE(scores, (size_t)nth * max_slots);
#undef TAKE
    if (w) w->max_slots = max_slots;
    if (total) *total = off;
}

int gw_transformer_session_init(gw_session *s, gw_err *err) {
    const gw_config *c = &s->model->cfg;
    size_t kvd = (size_t)c->n_head_kv * c->head_dim;
    s->state_bytes = 0;
    for (int l = 0; l < c->n_layer; l++) {
        int slots = s->n_ctx;
        if (c->layer_kind[l] == GW_LAYER_SLIDING) {
            int ring = c->sliding_window + s->n_batch - 1;
            if (ring < slots) slots = ring;
        }
        s->kv[l].n_slots = slots;
        s->kv[l].k = malloc((size_t)slots * kvd * sizeof(float));
        s->kv[l].v = malloc((size_t)slots * kvd * sizeof(float));
        if (!s->kv[l].k || !s->kv[l].v)
            return gw_set_err(err, GW_E_NOMEM, "out of memory for the KV cache (%d positions)", s->n_ctx);
        s->state_bytes += 2 * (size_t)slots * kvd * sizeof(float);
    }
    size_t total;
    scratch_layout(s, NULL, &total);
    s->scratch = malloc(total * sizeof(float));
    if (!s->scratch) return gw_set_err(err, GW_E_NOMEM, "out of memory for scratch buffers");
    s->scratch_floats = total;
    return GW_OK;
}

/* ---- attention over the cache, parallel over (token, head) ---------------- */
typedef struct {
    const gw_config *c;
    const gw_kv_layer *kv;
    const float *q;
    float *att, *scores;
    int max_slots, n, pos, window; /* window 0: global */
} attn_task;

static void attn_worker(void *arg, int ith, int nth) {
    attn_task *a = arg;
    const gw_config *c = a->c;
    int H = c->n_head, D = c->head_dim, group = c->n_head / c->n_head_kv;
    size_t qd = (size_t)H * D, kvd = (size_t)c->n_head_kv * D;
    float *sc = a->scores + (size_t)ith * a->max_slots;
    int total = a->n * H;
    for (int idx = ith; idx < total; idx += nth) {
        int t = idx / H, h = idx % H, kvh = h / group;
        int p = a->pos + t;
        int first = a->window ? p - a->window + 1 : 0;
        if (first < 0) first = 0;
        const float *q = a->q + (size_t)t * qd + (size_t)h * D;
        int nk = p - first + 1;
        for (int j = 0; j < nk; j++) {
            int slot = (first + j) % a->kv->n_slots;
            sc[j] = gw_dot_f32(q, a->kv->k + (size_t)slot * kvd + (size_t)kvh * D, D) * c->attn_scale;
        }
        if (c->attn_softcap > 0) gw_softcap(sc, nk, c->attn_softcap);
        gw_softmax(sc, nk);
        float *out = a->att + (size_t)t * qd + (size_t)h * D;
        memset(out, 0, (size_t)D * sizeof(float));
        for (int j = 0; j < nk; j++) {
            int slot = (first + j) % a->kv->n_slots;
            gw_axpy_f32(out, sc[j], a->kv->v + (size_t)slot * kvd + (size_t)kvh * D, D);
        }
    }
}

static int add_into(float *x, const float *y, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] += y[i];
    return 0;
}

int gw_transformer_forward(gw_session *s, const int32_t *tokens, int n, float *logits,
                           int all_logits, gw_err *err) {
    const gw_model *m = s->model;
    const gw_config *c = &m->cfg;
    tf_scratch w;
    scratch_layout(s, &w, NULL);
    const int d = c->n_embd, D = c->head_dim, H = c->n_head, K = c->n_head_kv;
    const size_t qd = (size_t)H * D, kvd = (size_t)K * D;
    int rc;

    /* embedding */
    for (int t = 0; t < n; t++) {
        float *xt = w.x + (size_t)t * d;
        rc = gw_tensor_row(m->tok_embd, tokens[t], xt);
        if (rc) return gw_set_err(err, rc, "token embedding: unsupported type");
        for (int i = 0; i < d; i++) xt[i] *= c->embd_scale;
    }

    for (int l = 0; l < c->n_layer; l++) {
        const gw_layer *L = &m->layers[l];
        gw_kv_layer *kv = &s->kv[l];
        int sliding = c->layer_kind[l] == GW_LAYER_SLIDING;
        const float *freqs = sliding ? c->rope_freq_local : c->rope_freq;

        for (int t = 0; t < n; t++)
            gw_rmsnorm(w.xn + (size_t)t * d, w.x + (size_t)t * d, L->attn_norm->data, d, c->rms_eps);
        if ((rc = gw_matmul(s->pool, L->attn_q, w.xn, n, w.q)) ||
            (rc = gw_matmul(s->pool, L->attn_k, w.xn, n, w.k)) ||
            (rc = gw_matmul(s->pool, L->attn_v, w.xn, n, w.v)))
            return gw_set_err(err, rc, "layer %d: attention projection failed", l);
        for (int t = 0; t < n; t++) {
            int p = s->pos + t;
            for (int h = 0; h < H; h++) {
                float *qh = w.q + (size_t)t * qd + (size_t)h * D;
                if (L->attn_q_norm) gw_rmsnorm(qh, qh, L->attn_q_norm->data, D, c->rms_eps);
                gw_rope_freqs(qh, c->rope_dim, p, freqs);
            }
            for (int h = 0; h < K; h++) {
                float *kh = w.k + (size_t)t * kvd + (size_t)h * D;
                if (L->attn_k_norm) gw_rmsnorm(kh, kh, L->attn_k_norm->data, D, c->rms_eps);
                gw_rope_freqs(kh, c->rope_dim, p, freqs);
            }
            int slot = p % kv->n_slots;
            memcpy(kv->k + (size_t)slot * kvd, w.k + (size_t)t * kvd, kvd * sizeof(float));
            memcpy(kv->v + (size_t)slot * kvd, w.v + (size_t)t * kvd, kvd * sizeof(float));
        }
        attn_task at = {c, kv, w.q, w.att, w.scores, w.max_slots, n, s->pos,
                        sliding ? c->sliding_window : 0};
        gw_pool_run(s->pool, attn_worker, &at);
        if ((rc = gw_matmul(s->pool, L->attn_o, w.att, n, w.o)))
            return gw_set_err(err, rc, "layer %d: attention output failed", l);
        if (L->post_attn_norm)
            for (int t = 0; t < n; t++)
                gw_rmsnorm(w.o + (size_t)t * d, w.o + (size_t)t * d, L->post_attn_norm->data, d, c->rms_eps);
        add_into(w.x, w.o, (size_t)n * d);

        for (int t = 0; t < n; t++)
            gw_rmsnorm(w.xn + (size_t)t * d, w.x + (size_t)t * d, L->ffn_norm->data, d, c->rms_eps);
        if ((rc = gw_matmul(s->pool, L->ffn_gate, w.xn, n, w.g)) ||
            (rc = gw_matmul(s->pool, L->ffn_up, w.xn, n, w.u)))
            return gw_set_err(err, rc, "layer %d: MLP failed", l);
        gw_gelu_tanh_mul(w.g, w.g, w.u, n * c->n_ff);
        if ((rc = gw_matmul(s->pool, L->ffn_down, w.g, n, w.o)))
            return gw_set_err(err, rc, "layer %d: MLP down projection failed", l);
        if (L->post_ffw_norm)
            for (int t = 0; t < n; t++)
                gw_rmsnorm(w.o + (size_t)t * d, w.o + (size_t)t * d, L->post_ffw_norm->data, d, c->rms_eps);
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
