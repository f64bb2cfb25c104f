/* griffin.c — RecurrentGemma (Griffin) decode state and forward pass.
 * Work in progress: the forward pass is not implemented yet. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

int gw_griffin_session_init(gw_session *s, gw_err *err) {
    (void)s;
    return gw_set_err(err, GW_E_UNSUPPORTED, "recurrentgemma: sessions are not implemented yet");
}

void gw_griffin_session_reset(gw_session *s) { (void)s; }

void gw_griffin_session_free(gw_session *s) {
    if (!s) return;
    for (int l = 0; l < GW_MAX_LAYERS; l++) {
        free(s->rg[l].conv);
        free(s->rg[l].h);
        s->rg[l].conv = s->rg[l].h = NULL;
    }
}

int gw_griffin_forward(gw_session *s, const int32_t *tokens, int n, float *logits, int all_logits,
                       gw_err *err) {
    (void)s; (void)tokens; (void)n; (void)logits; (void)all_logits;
    return gw_set_err(err, GW_E_UNSUPPORTED, "recurrentgemma: forward pass is not implemented yet");
}
