/* cmd_generate.c — `gemwasm generate`: continue a prompt given as token ids,
 * greedily, printing the new token ids. */
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "common.h"

static void help(FILE *f) {
    fprintf(f,
            "usage: gemwasm generate -m MODEL --ids 2,17,5 [-n N] [options]\n"
            "\n"
            "Greedy continuation of the prompt; prints the new token ids, comma-separated.\n"
            "Stops after N tokens or at the model's end-of-sequence token.\n"
            "\n"
            "  -m, --model PATH    GGUF file, or any split of a split set\n"
            "  --ids LIST          prompt as comma-separated token ids (include BOS yourself)\n"
            "  -n, --max-tokens N  tokens to generate (default 32)\n"
            "  --ignore-eos        do not stop at end-of-sequence tokens\n"
            "  --ctx N             context size (default: prompt + N)\n"
            "  -t, --threads N     threads (default 1)\n"
            "  -h, --help          this help\n");
}

int cmd_generate(int argc, char **argv) {
    const char *model = NULL, *ids_s = NULL;
    int n_new = 32, threads = 1, ctx = 0, ignore_eos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help(stdout); return 0; }
        else if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has) model = argv[++i];
        else if (!strcmp(a, "--ids") && has) ids_s = argv[++i];
        else if (!strcmp(a, "--ignore-eos")) ignore_eos = 1;
        else if ((!strcmp(a, "-n") || !strcmp(a, "--max-tokens")) && has) {
            if (!cli_parse_int(argv[++i], &n_new)) return cli_failf("generate", "bad -n value");
        } else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && has) {
            if (!cli_parse_int(argv[++i], &threads) || threads < 1) return cli_failf("generate", "bad --threads value");
        } else if (!strcmp(a, "--ctx") && has) {
            if (!cli_parse_int(argv[++i], &ctx)) return cli_failf("generate", "bad --ctx value");
        } else { help(stderr); return cli_failf("generate", "unknown or incomplete option '%s'", a); }
    }
    if (!model || !ids_s) { help(stderr); return cli_failf("generate", "-m and --ids are required"); }
    int32_t *ids;
    int n = cli_parse_ids(ids_s, &ids);
    if (n < 0) return cli_failf("generate", "--ids must be a comma-separated list of non-negative integers");

    gw_err err = {0};
    gw_model *m = NULL;
    gw_session *s = NULL;
    float *logits = NULL;
    int rc = cli_load_model(model, &m, &err);
    if (!rc) {
        gw_session_opts o = {.n_ctx = ctx ? ctx : n + n_new, .n_threads = threads};
        rc = gw_session_new(m, &o, &s, &err);
    }
    if (!rc) {
        const gw_model_info *info = gw_model_get_info(m);
        logits = malloc((size_t)info->n_vocab * sizeof(float));
        if (!logits) rc = gw_set_err(&err, GW_E_NOMEM, "out of memory");
        if (!rc) rc = gw_session_eval(s, ids, n, logits, 0, &err);
        for (int i = 0; i < n_new && !rc; i++) {
            int32_t tok = cli_argmax(logits, info->n_vocab);
            printf(i ? ",%d" : "%d", (int)tok);
            fflush(stdout);
            if (!ignore_eos && (tok == info->eos_id || tok == info->eot_id)) break;
            if (i + 1 < n_new) rc = gw_session_eval(s, &tok, 1, logits, 0, &err);
        }
        printf("\n");
    }
    int ret = rc ? cli_fail("generate", &err) : 0;
    free(logits);
    free(ids);
    gw_session_free(s);
    gw_model_free(m);
    return ret;
}
