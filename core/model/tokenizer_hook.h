/* tokenizer_hook.h — how model.c attaches the GGUF's tokenizer (if any) to a
 * model. Implemented in tokenizer_hook.c on top of core/tokenizer.h. */
#ifndef GW_TOKENIZER_HOOK_H
#define GW_TOKENIZER_HOOK_H

#include "model.h"

/* Loads the tokenizer from the metadata when present (m->tokenizer stays
 * NULL when the GGUF has none), and fills bos/eos/eot ids from it where the
 * config left them unknown. */
int gw_model_attach_tokenizer(gw_model *m, const gw_gguf *meta, gw_err *err);
void gw_model_detach_tokenizer(gw_model *m);

#endif
