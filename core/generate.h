/* generate.h — the text-level generation loop shared by the CLIs and the
 * wasm API: prompt text -> tokens -> prefill -> sample -> stream text,
 * ending at <eos>/<end_of_turn>, a stop string, or max tokens.
 *
 *   gw_generator_new(session, tokenizer, &params, &g, &err);
 *   gw_generator_prompt_text(g, text, len, add_bos, &err);   // prefill
 *   while (!done) gw_generator_step(g, &tok, &piece, &plen, &done, &err);
 *
 * Stop strings are found across token boundaries: text that might be the
 * start of a stop string is held back until it is known not to be; the stop
 * string and what follows it are never emitted. The session keeps every
 * token; after a finished reply, the next prompt (a new chat turn) only
 * prefills the new tokens. */
#ifndef GW_GENERATE_H
#define GW_GENERATE_H

#include "common.h"
#include "sampler.h"
#include "tokenizer.h"

/* ---- stop strings --------------------------------------------------------- */
typedef struct gw_stop_matcher gw_stop_matcher;
int gw_stop_new(const char *const *stops, int n, gw_stop_matcher **out, gw_err *err);
void gw_stop_free(gw_stop_matcher *m);
void gw_stop_reset(gw_stop_matcher *m);
/* Feed text (whole UTF-8 characters). *emit and *emit_len: the text that can be
 * shown now (valid until the next call). Returns 1 when a stop string was
 * completed (emit then ends just before it; feed nothing more), else 0. */
int gw_stop_feed(gw_stop_matcher *m, const char *text, size_t len, const char **emit, size_t *emit_len);
/* End of generation: the held-back text (no stop string came). */
void gw_stop_flush(gw_stop_matcher *m, const char **emit, size_t *emit_len);

/* ---- generation ----------------------------------------------------------- */
typedef struct gw_gen_params {
    gw_sampler_params sampling;
    int max_tokens;            /* new tokens per reply (<= 0: until the context is full) */
    const char *const *stop;   /* stop strings (copied) */
    int n_stop;
    int ignore_eos;            /* do not end at <eos>/<end_of_turn> */
} gw_gen_params;

/* Why a reply ended. */
enum { GW_GEN_RUNNING = 0, GW_GEN_EOS = 1, GW_GEN_STOP_STRING = 2, GW_GEN_MAX_TOKENS = 3, GW_GEN_CTX_FULL = 4 };

struct gw_session;
typedef struct gw_generator gw_generator;
/* The session and tokenizer are borrowed (must outlive the generator). */
int gw_generator_new(struct gw_session *s, const gw_tokenizer *t, const gw_gen_params *p,
                     gw_generator **out, gw_err *err);
void gw_generator_free(gw_generator *g);
/* Prefill tokens (and any token sampled last but not yet in the session);
 * starts a new reply. The tokens also enter the penalty history. */
int gw_generator_prompt(gw_generator *g, const int32_t *ids, size_t n, gw_err *err);
int gw_generator_prompt_text(gw_generator *g, const char *text, size_t len, int add_bos, gw_err *err);
/* One token: *token the sampled id, *text the text now safe to show (may be
 * empty; valid until the next call), *done the end reason or 0. */
int gw_generator_step(gw_generator *g, int32_t *token, const char **text, size_t *len, int *done,
                      gw_err *err);
/* Tokens generated in the current reply. */
int gw_generator_n_generated(const gw_generator *g);

#endif
