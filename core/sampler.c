/* sampler.c — see sampler.h. The PRNG is xoshiro256** seeded by splitmix64,
 * held in the sampler (no global state). */
#include <math.h>
#include <stdlib.h>

#include "sampler.h"

typedef struct { float p; int32_t id; } cand;

struct gw_sampler {
    gw_sampler_params prm;
    int n_vocab;
    uint64_t rng[4];
    int32_t *hist;      /* ring of the last penalty_last_n tokens, or all */
    size_t n_hist, cap_hist, head;
    int32_t *count;     /* per token: occurrences in the window */
    float *work;        /* n_vocab adjusted logits */
    cand *cands;        /* n_vocab */
};

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t next_u64(uint64_t *s) {
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return r;
}
static double next_unit(uint64_t *s) { return (double)(next_u64(s) >> 11) * (1.0 / 9007199254740992.0); }

void gw_sampler_default_params(gw_sampler_params *p) {
    p->temperature = 0.8f;
    p->top_k = 64;
    p->top_p = 0.95f;
    p->min_p = 0.0f;
    p->repeat_penalty = 1.0f;
    p->freq_penalty = 0.0f;
    p->presence_penalty = 0.0f;
    p->penalty_last_n = 64;
    p->seed = 0;
}

void gw_sampler_reset(gw_sampler *s) {
    uint64_t x = s->prm.seed;
    for (int i = 0; i < 4; i++) s->rng[i] = splitmix64(&x);
    if (s->count)
        for (size_t i = 0; i < s->n_hist; i++) s->count[s->hist[i]] = 0;
    s->n_hist = s->head = 0;
}

int gw_sampler_new(const gw_sampler_params *p, int n_vocab, gw_sampler **out, gw_err *err) {
    *out = NULL;
    if (n_vocab <= 0) return gw_set_err(err, GW_E_INVALID, "sampler: bad vocabulary size %d", n_vocab);
    if (!(p->temperature >= 0) || p->top_k < 0 || !(p->top_p > 0 && p->top_p <= 1) ||
        !(p->min_p >= 0 && p->min_p <= 1) || !(p->repeat_penalty > 0) || !isfinite(p->freq_penalty) ||
        !isfinite(p->presence_penalty) || p->penalty_last_n < -1)
        return gw_set_err(err, GW_E_INVALID,
                          "sampler: bad parameters (need temperature >= 0, top_k >= 0, 0 < top_p <= 1, "
                          "0 <= min_p <= 1, repeat_penalty > 0, penalty_last_n >= -1)");
    gw_sampler *s = calloc(1, sizeof *s);
    if (!s) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    s->prm = *p;
    s->n_vocab = n_vocab;
    s->work = malloc((size_t)n_vocab * sizeof *s->work);
    s->cands = malloc((size_t)n_vocab * sizeof *s->cands);
    s->count = calloc((size_t)n_vocab, sizeof *s->count);
    s->cap_hist = p->penalty_last_n > 0 ? (size_t)p->penalty_last_n : 256;
    s->hist = malloc(s->cap_hist * sizeof *s->hist);
    if (!s->work || !s->cands || !s->count || !s->hist) { gw_sampler_free(s); return gw_set_err(err, GW_E_NOMEM, "out of memory"); }
    gw_sampler_reset(s);
    *out = s;
    return GW_OK;
}

void gw_sampler_free(gw_sampler *s) {
    if (!s) return;
    free(s->work); free(s->cands); free(s->count); free(s->hist);
    free(s);
}

void gw_sampler_accept(gw_sampler *s, int32_t tok) {
    if (tok < 0 || tok >= s->n_vocab || s->prm.penalty_last_n == 0) return;
    if (s->prm.penalty_last_n > 0) { /* ring: the oldest leaves the window */
        if (s->n_hist == s->cap_hist) s->count[s->hist[s->head]]--;
        else s->n_hist++;
        s->hist[s->head] = tok;
        s->head = (s->head + 1) % s->cap_hist;
    } else { /* unbounded */
        if (s->n_hist == s->cap_hist) {
            int32_t *g = realloc(s->hist, s->cap_hist * 2 * sizeof *g);
            if (!g) return; /* keeps the counts; the reset scan misses nothing it needs */
            s->hist = g;
            s->cap_hist *= 2;
        }
        s->hist[s->n_hist++] = tok;
    }
    s->count[tok]++;
}

static int cmp_cand(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->p != y->p) return x->p > y->p ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Quickselect: the k most likely (ties: lower id) into c[0..k), any order. */
static void select_top(cand *c, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        cand piv = c[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (cmp_cand(&c[i], &piv) < 0) i++;
            while (cmp_cand(&c[j], &piv) > 0) j--;
            if (i <= j) { cand t = c[i]; c[i] = c[j]; c[j] = t; i++; j--; }
        }
        if (k - 1 <= j) hi = j;
        else if (k - 1 >= i) lo = i;
        else break;
    }
}

/* Penalties into s->work; returns the argmax. */
static int32_t apply_penalties(gw_sampler *s, const float *logits) {
    const gw_sampler_params *p = &s->prm;
    memcpy(s->work, logits, (size_t)s->n_vocab * sizeof *s->work);
    int any = p->repeat_penalty != 1.0f || p->freq_penalty != 0.0f || p->presence_penalty != 0.0f;
    if (any)
        for (size_t i = 0; i < s->n_hist; i++) {
            int32_t t = s->hist[i];
            int c = s->count[t];
            if (c <= 0) continue;
            s->count[t] = -c; /* mark done (tokens repeat in the history) */
            float v = s->work[t];
            if (p->repeat_penalty != 1.0f) v = v > 0 ? v / p->repeat_penalty : v * p->repeat_penalty;
            v -= (float)c * p->freq_penalty + p->presence_penalty;
            s->work[t] = v;
        }
    for (size_t i = 0; i < s->n_hist; i++) if (s->count[s->hist[i]] < 0) s->count[s->hist[i]] = -s->count[s->hist[i]];
    int32_t best = 0;
    for (int i = 1; i < s->n_vocab; i++) if (s->work[i] > s->work[best]) best = i;
    return best;
}

/* The candidate set after every filter, probabilities normalized; returns
 * its size (cands sorted by probability when a filter needed it). */
static int candidates(gw_sampler *s, const float *logits) {
    const gw_sampler_params *p = &s->prm;
    int32_t best = apply_penalties(s, logits);
    if (p->temperature == 0.0f) { s->cands[0] = (cand){1.0f, best}; return 1; }
    float mx = s->work[best];
    int n = s->n_vocab;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        float e = expf((s->work[i] - mx) / p->temperature);
        s->cands[i] = (cand){e, i};
        sum += e;
    }
    for (int i = 0; i < n; i++) s->cands[i].p = (float)(s->cands[i].p / sum);
    int m = n;
    if (p->top_k > 0 && p->top_k < m) {
        select_top(s->cands, n, p->top_k);
        m = p->top_k;
        qsort(s->cands, m, sizeof *s->cands, cmp_cand);
        double t = 0; /* renormalize over the top k before top-p */
        for (int i = 0; i < m; i++) t += s->cands[i].p;
        for (int i = 0; i < m; i++) s->cands[i].p = (float)(s->cands[i].p / t);
    } else if (p->top_p < 1.0f) {
        /* sort only as many of the most likely as top-p can need: grow the
         * sorted prefix until it holds top_p of the mass (or everything) */
        for (int want = n < 256 ? n : 256;; want = want > n / 8 ? n : want * 8) {
            if (want < n) select_top(s->cands, n, want);
            qsort(s->cands, want, sizeof *s->cands, cmp_cand);
            double mass = 0;
            for (int i = 0; i < want; i++) mass += s->cands[i].p;
            m = want;
            if (mass >= p->top_p || want == n) break;
        }
    }
    if (p->top_p < 1.0f) {
        double cum = 0;
        int keep = m;
        for (int i = 0; i < m; i++) {
            cum += s->cands[i].p;
            if (cum >= p->top_p) { keep = i + 1; break; }
        }
        m = keep;
    }
    if (p->min_p > 0.0f) {
        float pmax = 0;
        for (int i = 0; i < m; i++) if (s->cands[i].p > pmax) pmax = s->cands[i].p;
        int w = 0;
        for (int i = 0; i < m; i++) if (s->cands[i].p >= p->min_p * pmax) s->cands[w++] = s->cands[i];
        m = w;
    }
    double t = 0;
    for (int i = 0; i < m; i++) t += s->cands[i].p;
    for (int i = 0; i < m; i++) s->cands[i].p = (float)(s->cands[i].p / t);
    return m;
}

int gw_sampler_sample(gw_sampler *s, const float *logits, int32_t *token, gw_err *err) {
    if (!s || !logits) return gw_set_err(err, GW_E_INVALID, "sampler: no logits");
    int m = candidates(s, logits);
    if (m == 1) { *token = s->cands[0].id; return GW_OK; }
    double u = next_unit(s->rng), cum = 0;
    for (int i = 0; i < m; i++) {
        cum += s->cands[i].p;
        if (u < cum) { *token = s->cands[i].id; return GW_OK; }
    }
    *token = s->cands[m - 1].id; /* rounding: the last one */
    return GW_OK;
}

int gw_sampler_probs(gw_sampler *s, const float *logits, float *probs, gw_err *err) {
    if (!s || !logits || !probs) return gw_set_err(err, GW_E_INVALID, "sampler: no logits");
    int m = candidates(s, logits);
    memset(probs, 0, (size_t)s->n_vocab * sizeof *probs);
    for (int i = 0; i < m; i++) probs[s->cands[i].id] = s->cands[i].p;
    return GW_OK;
}
