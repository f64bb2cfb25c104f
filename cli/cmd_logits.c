/* cmd_logits.c — `gemwasm logits`: float32 logits of every position of a
 * token sequence, as a .npy of shape [n_ids, vocab]; prefill in batches, or
 * one token at a time through the decode path with --decode. */
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "common.h"

static void help(FILE *f) {
    fprintf(f,
            "usage: gemwasm logits -m MODEL --ids 2,17,5 [--decode] -o OUT.npy [options]\n"
            "\n"
            "Writes the float32 logits of every position, shape [n_ids, vocab], as NumPy .npy.\n"
            "\n"
            "  -m, --model PATH    GGUF file, or any split of a split set\n"
            "  --ids LIST          comma-separated token ids (include BOS yourself)\n"
            "  --decode            feed the ids one at a time through the decode path\n"
            "                      (default: one prefill over all ids)\n"
            "  -o, --output PATH   output .npy file\n"
            "  --batch N           prefill micro-batch size (default 64)\n"
            "  -t, --threads N     threads (default 1)\n"
            "  -h, --help          this help\n");
}

int cmd_logits(int argc, char **argv) {
    const char *model = NULL, *ids_s = NULL, *outp = NULL;
    int decode = 0, threads = 1, batch = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help(stdout); return 0; }
        else if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has) model = argv[++i];
        else if (!strcmp(a, "--ids") && has) ids_s = argv[++i];
        else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has) outp = argv[++i];
        else if (!strcmp(a, "--decode")) decode = 1;
        else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && has) {
            if (!cli_parse_int(argv[++i], &threads) || threads < 1) return cli_failf("logits", "bad --threads value");
        } else if (!strcmp(a, "--batch") && has) {
            if (!cli_parse_int(argv[++i], &batch) || batch < 1) return cli_failf("logits", "bad --batch value");
        } else { help(stderr); return cli_failf("logits", "unknown or incomplete option '%s'", a); }
    }
    if (!model || !ids_s || !outp) { help(stderr); return cli_failf("logits", "-m, --ids and -o are required"); }
    int32_t *ids;
    int n = cli_parse_ids(ids_s, &ids);
    if (n < 0) return cli_failf("logits", "--ids must be a comma-separated list of non-negative integers");

    gw_err err = {0};
    gw_model *m = NULL;
    gw_session *s = NULL;
    float *logits = NULL;
    int rc = cli_load_model(model, &m, &err);
    if (!rc) {
        gw_session_opts o = {.n_ctx = n, .n_threads = threads, .n_batch = decode ? 1 : batch};
        rc = gw_session_new(m, &o, &s, &err);
    }
    if (!rc) {
        int V = gw_model_get_info(m)->n_vocab;
        logits = malloc((size_t)n * V * sizeof(float));
        if (!logits) rc = gw_set_err(&err, GW_E_NOMEM, "out of memory for %d x %d logits", n, V);
        if (!rc) {
            if (decode)
                for (int i = 0; i < n && !rc; i++)
                    rc = gw_session_eval(s, ids + i, 1, logits + (size_t)i * V, 0, &err);
            else
                rc = gw_session_eval(s, ids, n, logits, 1, &err);
        }
        if (!rc) rc = cli_write_npy(outp, logits, n, V, &err);
    }
    int ret = rc ? cli_fail("logits", &err) : 0;
    free(logits);
    free(ids);
    gw_session_free(s);
    gw_model_free(m);
    return ret;
}
