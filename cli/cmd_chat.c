/* cmd_chat.c — `gemwasm chat`: an interactive chat on the terminal. Each
 * line read from stdin is a user message; the reply streams out. The
 * session keeps the conversation, so a new turn prefills only the new
 * message. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat_template.h"
#include "cli_tokenizer.h"
#include "cli_util.h"
#include "commands.h"
#include "common.h"
#include "generate.h"

static void help(FILE *f) {
    fprintf(f,
            "usage: gemwasm chat -m MODEL [--system TEXT] [options]\n"
            "\n"
            "Interactive chat in the model's chat format (Gemma's). Type a message and press\n"
            "Enter; the reply streams out. '/reset' starts over; end with Ctrl-D.\n"
            "\n"
            "  -m, --model PATH       GGUF file, or any split of a split set\n"
            "  --system TEXT          system message (folded into the first user turn)\n"
            "  --tokenizer PATH       a tokenizer.json to use instead of the GGUF's\n");
    fprintf(f, CLI_GEN_HELP, 512);
    fprintf(f,
            "  --ctx N                context size (default 4096, at most the model's)\n"
            "  -t, --threads N        threads (default 1)\n"
            "  -h, --help             this help\n");
}

int cmd_chat(int argc, char **argv) {
    const char *model = NULL, *system = NULL, *tok_path = NULL;
    int threads = 1, ctx = 0;
    cli_gen_opts o;
    cli_gen_opts_init(&o, 512);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        int g = cli_parse_gen_flag("chat", argc, argv, &i, &o);
        if (g < 0) return 1;
        if (g) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help(stdout); return 0; }
        else if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has) model = argv[++i];
        else if (!strcmp(a, "--system") && has) system = argv[++i];
        else if (!strcmp(a, "--tokenizer") && has) tok_path = argv[++i];
        else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && has) {
            if (!cli_parse_int(argv[++i], &threads) || threads < 1) return cli_failf("chat", "bad --threads value");
        } else if (!strcmp(a, "--ctx") && has) {
            if (!cli_parse_int(argv[++i], &ctx)) return cli_failf("chat", "bad --ctx value");
        } else { help(stderr); return cli_failf("chat", "unknown or incomplete option '%s'", a); }
    }
    cli_gen_opts_done(&o);
    if (!model) { help(stderr); return cli_failf("chat", "-m MODEL is required"); }
    gw_err err = {0};
    gw_model *m = NULL;
    gw_session *s = NULL;
    gw_tokenizer *own_tok = NULL;
    const gw_tokenizer *tok = NULL;
    gw_generator *g = NULL;
    int rc = cli_load_model(model, &m, &err);
    if (!rc && tok_path) rc = cli_load_tokenizer(NULL, tok_path, &own_tok, &err);
    if (!rc) {
        tok = own_tok ? own_tok : gw_model_tokenizer(m);
        if (!tok) rc = gw_set_err(&err, GW_E_NOT_FOUND, "%s has no tokenizer: give --tokenizer tokenizer.json", model);
    }
    if (!rc) {
        gw_chat_kind kind;
        if (gw_chat_detect(gw_tokenizer_chat_template(tok), &kind, &err) == GW_E_UNSUPPORTED)
            fprintf(stderr, "gemwasm chat: warning: %s; using Gemma's\n", err.msg);
        gw_err_clear(&err);
        gw_session_opts so = {.n_ctx = ctx, .n_threads = threads};
        rc = gw_session_new(m, &so, &s, &err);
    }
    if (!rc) rc = gw_generator_new(s, tok, &o.gen, &g, &err);
    int tty = isatty(0), first = 1, last_done = 0;
    char *line = NULL;
    size_t cap = 0, len;
    while (!rc) {
        if (tty) { fputs("> ", stderr); fflush(stderr); }
        if (!cli_read_line(stdin, &line, &cap, &len)) {
            if (tty) fputc('\n', stderr); /* Ctrl-D: leave the prompt line */
            break;
        }
        if (!len) continue;
        if (!strcmp(line, "/reset")) {
            gw_generator_free(g);
            g = NULL;
            gw_session_reset(s);
            rc = gw_generator_new(s, tok, &o.gen, &g, &err);
            first = 1;
            continue;
        }
        /* the new turn; the previous reply is closed first */
        gw_chat_msg msgs[2] = {{"system", system}, {"user", line}};
        int with_sys = first && system;
        char *turn = NULL;
        rc = gw_chat_format(GW_CHAT_GEMMA, with_sys ? msgs : msgs + 1, with_sys ? 2 : 1,
                            first && gw_tokenizer_add_bos(tok), 1, &turn, &err);
        if (rc) break;
        const char *close = first ? "" : last_done == GW_GEN_EOS ? "\n" : "<end_of_turn>\n";
        size_t cl = strlen(close), tl = strlen(turn);
        char *text = malloc(cl + tl + 1);
        if (!text) { free(turn); rc = gw_set_err(&err, GW_E_NOMEM, "out of memory"); break; }
        memcpy(text, close, cl);
        memcpy(text + cl, turn, tl + 1);
        free(turn);
        rc = gw_generator_prompt_text(g, text, cl + tl, 0, &err);
        free(text);
        if (rc) break;
        first = 0;
        int done = 0;
        while (!rc && !done) {
            int32_t t;
            const char *piece;
            size_t pl;
            rc = gw_generator_step(g, &t, &piece, &pl, &done, &err);
            if (!rc && pl) { fwrite(piece, 1, pl, stdout); fflush(stdout); }
        }
        fputc('\n', stdout);
        fflush(stdout);
        last_done = done;
        if (done == GW_GEN_CTX_FULL) { rc = gw_set_err(&err, GW_E_RANGE, "the context is full (--ctx); /reset to start over"); }
    }
    int ret = rc ? cli_fail("chat", &err) : 0;
    free(line);
    gw_generator_free(g);
    gw_session_free(s);
    gw_tokenizer_free(own_tok);
    gw_model_free(m);
    return ret;
}
