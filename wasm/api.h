/* api.h — the handle shared by wasm/api.c (model, session, token history)
 * and wasm/api_text.c (tokenizer, sampler, text stream). Internal to wasm/. */
#ifndef GW_WASM_API_H
#define GW_WASM_API_H

#include <stdint.h>

#include "gemwasm.h"
#include "model.h"

#define GWAPI_MAX_SPLITS 1024

typedef struct gwapi_text gwapi_text;

typedef struct gwapi {
    gw_err err;
    int n_splits;
    uint8_t *split[GWAPI_MAX_SPLITS];   /* whole split files, owned */
    size_t split_size[GWAPI_MAX_SPLITS];
    gw_model *model;
    gw_session *sess;
    float *logits;                      /* n_vocab, valid after an eval */
    int have_logits;
    int32_t *hist;                      /* tokens the session holds, in order */
    int n_hist, cap_hist;
    int32_t *io;                        /* scratch the JS side writes token ids into */
    int cap_io;
    int32_t info[16];
    gwapi_text *text;                   /* api_text.c */
} gwapi;

int32_t *gwapi_io(gwapi *h, int n);
float *gwapi_logits(gwapi *h);
void gwapi_text_free(gwapi_text *x);

#endif
