/* cmd_generate.c — `gemwasm generate`: continue a prompt given as token ids
 * (prints the new ids) or as text (--prompt: streams the new text), greedy
 * or sampled, stopping at <eos>/<end_of_turn>, a stop string or N tokens. */
#include <stdlib.h>
#include <string.h>

#include "chat_template.h"
#include "cli_tokenizer.h"
#include "cli_util.h"
#include "commands.h"
#include "common.h"
#include "generate.h"
#include "sampler.h"

static void help(FILE *f) {
    fprintf(f,
            "usage: gemwasm generate -m MODEL (--ids 2,17,5 | --prompt TEXT) [-n N] [options]\n"
            "\n"
            "Continues the prompt. With --ids prints the new token ids, comma-separated; with\n"
            "--prompt streams the new text. Stops after N tokens, at the model's end-of-sequence\n"
            "or end-of-turn token, or before a --stop string.\n"
            "\n"
            "  -m, --model PATH       GGUF file, or any split of a split set\n"
            "  --ids LIST             prompt as comma-separated token ids (include BOS yourself)\n"
            "  --prompt TEXT          prompt as text (BOS added as the tokenizer says)\n"
            "  --chat                 wrap --prompt in the chat template as a user turn\n"
            "  --system TEXT          with --chat: a system message\n"
            "  --tokenizer PATH       a tokenizer.json to use instead of the GGUF's\n");
    fprintf(f, CLI_GEN_HELP, 32);
    fprintf(f,
            "  --ctx N                context size (default: prompt + N)\n"
            "  -t, --threads N        threads (default 1)\n"
            "  -h, --help             this help\n");
}

/* --ids: token ids in, token ids out (no tokenizer needed). */
static int gen_ids(gw_model *m, gw_session *s, const int32_t *ids, int n, const gw_gen_params *gp, gw_err *err) {
    const gw_model_info *info = gw_model_get_info(m);
    gw_sampler *sm = NULL;
    float *logits = malloc((size_t)info->n_vocab * sizeof(float));
    int rc = logits ? gw_sampler_new(&gp->sampling, info->n_vocab, &sm, err) : gw_set_err(err, GW_E_NOMEM, "out of memory");
    for (int i = 0; i < n && !rc; i++) gw_sampler_accept(sm, ids[i]);
    if (!rc) rc = gw_session_eval(s, ids, n, logits, 0, err);
    for (int i = 0; i < gp->max_tokens && !rc; i++) {
        int32_t tok;
        rc = gw_sampler_sample(sm, logits, &tok, err);
        if (rc) break;
        gw_sampler_accept(sm, tok);
        printf(i ? ",%d" : "%d", (int)tok);
        fflush(stdout);
        if (!gp->ignore_eos && (tok == info->eos_id || tok == info->eot_id)) break;
        if (i + 1 < gp->max_tokens) rc = gw_session_eval(s, &tok, 1, logits, 0, err);
    }
    printf("\n");
    gw_sampler_free(sm);
    free(logits);
    return rc;
}

/* --prompt: text in, streamed text out. */
static int gen_text(gw_session *s, const gw_tokenizer *t, const char *prompt, int chat, const char *system,
                    const gw_gen_params *gp, gw_err *err) {
    char *text = NULL;
    int rc = GW_OK, add_bos = gw_tokenizer_add_bos(t);
    if (chat) {
        gw_chat_kind kind;
        if (gw_chat_detect(gw_tokenizer_chat_template(t), &kind, err) == GW_E_UNSUPPORTED)
            fprintf(stderr, "gemwasm generate: warning: %s; using Gemma's\n", err->msg);
        gw_chat_msg msgs[2] = {{"system", system}, {"user", prompt}};
        rc = gw_chat_format(GW_CHAT_GEMMA, system ? msgs : msgs + 1, system ? 2 : 1, add_bos, 1, &text, err);
        add_bos = 0; /* the template wrote "<bos>" */
        prompt = text;
    }
    gw_generator *g = NULL;
    if (!rc) rc = gw_generator_new(s, t, gp, &g, err);
    if (!rc) rc = gw_generator_prompt_text(g, prompt, strlen(prompt), add_bos, err);
    int done = 0;
    while (!rc && !done) {
        int32_t tok;
        const char *piece;
        size_t len;
        rc = gw_generator_step(g, &tok, &piece, &len, &done, err);
        if (!rc && len) { fwrite(piece, 1, len, stdout); fflush(stdout); }
    }
    printf("\n");
    gw_generator_free(g);
    free(text);
    return rc;
}

int cmd_generate(int argc, char **argv) {
    const char *model = NULL, *ids_s = NULL, *prompt = NULL, *system = NULL, *tok_path = NULL;
    int threads = 1, ctx = 0, chat = 0;
    cli_gen_opts o;
    cli_gen_opts_init(&o, 32);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        int g = cli_parse_gen_flag("generate", argc, argv, &i, &o);
        if (g < 0) return 1;
        if (g) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help(stdout); return 0; }
        else if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has) model = argv[++i];
        else if (!strcmp(a, "--ids") && has) ids_s = argv[++i];
        else if (!strcmp(a, "--prompt") && has) prompt = argv[++i];
        else if (!strcmp(a, "--system") && has) system = argv[++i];
        else if (!strcmp(a, "--tokenizer") && has) tok_path = argv[++i];
        else if (!strcmp(a, "--chat")) chat = 1;
        else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && has) {
            if (!cli_parse_int(argv[++i], &threads) || threads < 1) return cli_failf("generate", "bad --threads value");
        } else if (!strcmp(a, "--ctx") && has) {
            if (!cli_parse_int(argv[++i], &ctx)) return cli_failf("generate", "bad --ctx value");
        } else { help(stderr); return cli_failf("generate", "unknown or incomplete option '%s'", a); }
    }
    cli_gen_opts_done(&o);
    if (!model || !ids_s == !prompt) { help(stderr); return cli_failf("generate", "-m and one of --ids and --prompt are required"); }
    int32_t *ids = NULL;
    int n = 0;
    if (ids_s) {
        n = cli_parse_ids(ids_s, &ids);
        if (n < 0) return cli_failf("generate", "--ids must be a comma-separated list of non-negative integers");
    }
    gw_err err = {0};
    gw_model *m = NULL;
    gw_session *s = NULL;
    gw_tokenizer *own_tok = NULL;
    const gw_tokenizer *tok = NULL;
    int rc = cli_load_model(model, &m, &err);
    if (!rc && prompt) {
        if (tok_path) rc = cli_load_tokenizer(NULL, tok_path, &own_tok, &err);
        tok = own_tok ? own_tok : gw_model_tokenizer(m);
        if (!rc && !tok) rc = gw_set_err(&err, GW_E_NOT_FOUND, "%s has no tokenizer: give --tokenizer tokenizer.json", model);
        if (!rc) { /* context: prompt + N unless given */
            int32_t *pi;
            size_t pn;
            rc = gw_tokenizer_encode(tok, prompt, strlen(prompt), 1, &pi, &pn, &err);
            if (!rc) { n = (int)pn + (chat ? 32 + (system ? (int)strlen(system) : 0) : 0); free(pi); }
        }
    }
    if (!rc) {
        gw_session_opts so = {.n_ctx = ctx ? ctx : n + o.gen.max_tokens + 1, .n_threads = threads};
        rc = gw_session_new(m, &so, &s, &err);
    }
    if (!rc) rc = ids ? gen_ids(m, s, ids, n, &o.gen, &err) : gen_text(s, tok, prompt, chat, system, &o.gen, &err);
    int ret = rc ? cli_fail("generate", &err) : 0;
    free(ids);
    gw_session_free(s);
    gw_tokenizer_free(own_tok);
    gw_model_free(m);
    return ret;
}
