/* sampler.h — choosing the next token from logits: repetition, frequency
 * and presence penalties, temperature, top-k, top-p, min-p, then a draw
 * from the sampler's own seeded PRNG (same seed, same tokens); greedy
 * (argmax) at temperature 0. Order as Hugging Face applies them:
 * penalties -> temperature -> top-k -> top-p -> min-p -> draw. */
#ifndef GW_SAMPLER_H
#define GW_SAMPLER_H

#include "common.h"

typedef struct gw_sampler_params {
    float temperature;      /* 0 = greedy */
    int top_k;              /* keep the k most likely (0 = all) */
    float top_p;            /* keep the smallest set with mass >= top_p (1 = all) */
    float min_p;            /* drop tokens with p < min_p * p_max (0 = off) */
    float repeat_penalty;   /* HF: logit > 0 ? logit / r : logit * r over seen tokens (1 = off) */
    float freq_penalty;     /* OpenAI: logit -= count * f */
    float presence_penalty; /* OpenAI: logit -= p if seen at all */
    int penalty_last_n;     /* tokens of history the penalties look at (-1 = all, 0 = none) */
    uint64_t seed;
} gw_sampler_params;

/* temperature 0.8, top_k 64, top_p 0.95, min_p 0, penalties off
 * (repeat 1, freq 0, presence 0, last_n 64), seed 0. */
void gw_sampler_default_params(gw_sampler_params *p);

typedef struct gw_sampler gw_sampler;
int gw_sampler_new(const gw_sampler_params *p, int n_vocab, gw_sampler **out, gw_err *err);
void gw_sampler_free(gw_sampler *s);
/* Forget the history and restart the PRNG from the seed. */
void gw_sampler_reset(gw_sampler *s);
/* Record a token (prompt or generated) for the penalties. */
void gw_sampler_accept(gw_sampler *s, int32_t token);
/* Choose a token from n_vocab logits (not modified). Does not accept it. */
int gw_sampler_sample(gw_sampler *s, const float *logits, int32_t *token, gw_err *err);
/* The distribution the next draw would use (after every option), into
 * probs[n_vocab]: 0 for dropped tokens; greedy gives a one-hot vector. */
int gw_sampler_probs(gw_sampler *s, const float *logits, float *probs, gw_err *err);

#endif
