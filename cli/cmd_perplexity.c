/* cmd_perplexity.c — `gemwasm perplexity`: perplexity of a model on a text
 * file, computed as llama.cpp's `perplexity` tool does: the whole file is
 * tokenized (with BOS when the tokenizer adds one), cut into chunks of n_ctx
 * tokens, each chunk is evaluated from an empty context with its first token
 * replaced by BOS, and only the second half of each chunk is scored (every
 * scored token has at least n_ctx/2 tokens of context). Prints the running
 * estimate after each chunk, "[1]27.3851,[2]34.8254,...", then
 * "Final estimate: PPL = x +/- y" (y: the standard error of the mean
 * negative log-likelihood, times PPL, as llama.cpp reports it). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_tokenizer.h"
#include "cli_util.h"
#include "commands.h"
#include "common.h"

static void help(FILE *f) {
    fprintf(f,
            "usage: gemwasm perplexity -m MODEL (-f TEXT | --ids-file IDS) [options]\n"
            "\n"
            "Perplexity on a text as llama.cpp computes it: chunks of N tokens, each started\n"
            "with BOS, the second half of each chunk scored.\n"
            "\n"
            "  -m, --model PATH       GGUF file, or any split of a split set\n"
            "  -f, --file PATH        the text (UTF-8), tokenized with the model's tokenizer\n"
            "  --ids-file PATH        token ids instead of text (separated by commas or spaces;\n"
            "                         include BOS yourself)\n"
            "  --tokenizer PATH       a tokenizer.json to use instead of the GGUF's\n"
            "  -c, --ctx N            tokens per chunk (default 512)\n"
            "  --chunks N             score at most N chunks (default: all)\n"
            "  -b, --batch N          forward micro-batch size (default: the session's)\n"
            "  -t, --threads N        threads (default 1)\n"
            "  -h, --help             this help\n");
}

/* Ids separated by commas and/or white space; malloc'd. */
static int parse_ids_file(const char *path, int32_t **out, size_t *n_out, gw_err *err) {
    char *buf;
    size_t len, n = 0, cap = 1024;
    int rc = cli_read_file(path, &buf, &len, err);
    if (rc) return rc;
    int32_t *ids = malloc(cap * sizeof *ids);
    if (!ids) { free(buf); return gw_set_err(err, GW_E_NOMEM, "out of memory reading %s", path); }
    for (size_t i = 0; i < len && !rc;) {
        unsigned char c = (unsigned char)buf[i];
        if (c == ',' || isspace(c)) { i++; continue; }
        if (!isdigit(c)) { rc = gw_set_err(err, GW_E_FORMAT, "%s: unexpected character at byte %zu (want token ids)", path, i); break; }
        long long v = 0;
        while (i < len && isdigit((unsigned char)buf[i]) && v <= INT32_MAX) v = v * 10 + (buf[i++] - '0');
        if (v > INT32_MAX) { rc = gw_set_err(err, GW_E_FORMAT, "%s: token id too large near byte %zu", path, i); break; }
        if (n == cap) {
            int32_t *g = realloc(ids, 2 * cap * sizeof *ids);
            if (!g) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory reading %s", path); break; }
            ids = g;
            cap *= 2;
        }
        ids[n++] = (int32_t)v;
    }
    free(buf);
    if (rc) { free(ids); return rc; }
    *out = ids;
    *n_out = n;
    return GW_OK;
}

/* -log p(tok) from one row of logits: max in float, sum of exp in double,
 * as llama.cpp's log_softmax. */
static double nll_of(const float *logits, int n_vocab, int tok) {
    float mx = logits[0];
    for (int i = 1; i < n_vocab; i++) if (logits[i] > mx) mx = logits[i];
    double sum = 0;
    for (int i = 0; i < n_vocab; i++) sum += expf(logits[i] - mx);
    return -((double)logits[tok] - mx - log(sum));
}

typedef struct ppl_run {
    int n_ctx, n_chunks, bos;
    double nll, nll2; /* sums over scored tokens */
    long count;
} ppl_run;

/* Scores n_chunks chunks of ids; prints the running estimate after each. */
static int score(gw_session *s, int n_vocab, const int32_t *ids, ppl_run *r, gw_err *err) {
    int n_ctx = r->n_ctx, first = n_ctx / 2;
    int32_t *chunk = malloc((size_t)n_ctx * sizeof *chunk);
    float *logits = malloc((size_t)n_ctx * n_vocab * sizeof *logits);
    int rc = GW_OK;
    if (!chunk || !logits) rc = gw_set_err(err, GW_E_NOMEM, "out of memory for %d x %d logits", n_ctx, n_vocab);
    double t0 = cli_now();
    for (int c = 0; c < r->n_chunks && !rc; c++) {
        const int32_t *src = ids + (size_t)c * n_ctx;
        memcpy(chunk, src, (size_t)n_ctx * sizeof *chunk);
        if (r->bos >= 0) chunk[0] = r->bos;
        gw_session_reset(s);
        rc = gw_session_eval(s, chunk, n_ctx, logits, 1, err);
        if (rc) break;
        for (int j = first; j < n_ctx - 1; j++) {
            int tok = src[j + 1];
            if (tok < 0 || tok >= n_vocab) { rc = gw_set_err(err, GW_E_RANGE, "token id %d out of range (vocab %d)", tok, n_vocab); break; }
            double v = nll_of(logits + (size_t)j * n_vocab, n_vocab, tok);
            r->nll += v;
            r->nll2 += v * v;
            r->count++;
        }
        if (rc) break;
        if (c == 0) {
            double dt = cli_now() - t0;
            fprintf(stderr, "perplexity: %.2f seconds per pass - ETA %.1f seconds\n", dt, dt * r->n_chunks);
        }
        printf("[%d]%.4f,", c + 1, exp(r->nll / r->count));
        fflush(stdout);
    }
    printf("\n");
    free(chunk);
    free(logits);
    return rc;
}

int cmd_perplexity(int argc, char **argv) {
    const char *model = NULL, *text_path = NULL, *ids_path = NULL, *tok_path = NULL;
    int n_ctx = 512, max_chunks = 0, batch = 0, threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help(stdout); return 0; }
        else if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has) model = argv[++i];
        else if ((!strcmp(a, "-f") || !strcmp(a, "--file")) && has) text_path = argv[++i];
        else if (!strcmp(a, "--ids-file") && has) ids_path = argv[++i];
        else if (!strcmp(a, "--tokenizer") && has) tok_path = argv[++i];
        else if ((!strcmp(a, "-c") || !strcmp(a, "--ctx")) && has) {
            if (!cli_parse_int(argv[++i], &n_ctx) || n_ctx < 4) return cli_failf("perplexity", "bad --ctx value (at least 4)");
        } else if (!strcmp(a, "--chunks") && has) {
            if (!cli_parse_int(argv[++i], &max_chunks) || max_chunks < 1) return cli_failf("perplexity", "bad --chunks value");
        } else if ((!strcmp(a, "-b") || !strcmp(a, "--batch")) && has) {
            if (!cli_parse_int(argv[++i], &batch) || batch < 1) return cli_failf("perplexity", "bad --batch value");
        } else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && has) {
            if (!cli_parse_int(argv[++i], &threads) || threads < 1) return cli_failf("perplexity", "bad --threads value");
        } else { help(stderr); return cli_failf("perplexity", "unknown or incomplete option '%s'", a); }
    }
    if (!model || (!text_path == !ids_path)) {
        help(stderr);
        return cli_failf("perplexity", "-m and one of -f or --ids-file are required");
    }

    gw_err err = {0};
    gw_model *m = NULL;
    gw_session *s = NULL;
    gw_tokenizer *own_tok = NULL;
    const gw_tokenizer *tok = NULL;
    int32_t *ids = NULL;
    size_t n_ids = 0;
    char *text = NULL;
    size_t text_len = 0;
    ppl_run r = {.n_ctx = n_ctx, .bos = -1};

    int rc = cli_load_model(model, &m, &err);
    if (!rc && text_path) {
        if (tok_path) rc = cli_load_tokenizer(NULL, tok_path, &own_tok, &err);
        tok = own_tok ? own_tok : gw_model_tokenizer(m);
        if (!rc && !tok) rc = gw_set_err(&err, GW_E_NOT_FOUND, "%s has no tokenizer: give --tokenizer tokenizer.json or --ids-file", model);
        if (!rc) rc = cli_read_file(text_path, &text, &text_len, &err);
        if (!rc) {
            fprintf(stderr, "perplexity: tokenizing the input ..\n");
            rc = gw_tokenizer_encode(tok, text, text_len, gw_tokenizer_add_bos(tok), &ids, &n_ids, &err);
        }
        if (!rc && gw_tokenizer_add_bos(tok)) r.bos = gw_tokenizer_bos(tok);
    } else if (!rc) {
        rc = parse_ids_file(ids_path, &ids, &n_ids, &err);
        /* ids given: BOS replaces the first token of each chunk when the model has one */
        if (!rc) r.bos = gw_model_get_info(m)->bos_id;
    }
    if (!rc && n_ids < 2 * (size_t)n_ctx)
        rc = gw_set_err(&err, GW_E_RANGE, "you need at least %d tokens to evaluate perplexity with a context of %d (the input has %zu)",
                        2 * n_ctx, n_ctx, n_ids);
    if (!rc) {
        r.n_chunks = (int)(n_ids / (size_t)n_ctx);
        if (max_chunks && max_chunks < r.n_chunks) r.n_chunks = max_chunks;
        gw_session_opts so = {.n_ctx = n_ctx, .n_threads = threads, .n_batch = batch};
        rc = gw_session_new(m, &so, &s, &err);
    }
    if (!rc) {
        printf("perplexity: %zu tokens, calculating perplexity over %d chunks, n_ctx=%d, scoring the last %d tokens of each\n",
               n_ids, r.n_chunks, n_ctx, n_ctx - 1 - n_ctx / 2);
        fflush(stdout);
        rc = score(s, gw_model_get_info(m)->n_vocab, ids, &r, &err);
    }
    if (!rc) {
        double nll = r.nll / r.count, nll2 = r.nll2 / r.count, ppl = exp(nll);
        nll2 -= nll * nll;
        if (nll2 > 0 && r.count > 1)
            printf("Final estimate: PPL = %.4f +/- %.5f\n", ppl, sqrt(nll2 / (r.count - 1)) * ppl);
        else
            printf("Final estimate: PPL = %.4f +/- nan (no spread)\n", ppl);
    }
    int ret = rc ? cli_fail("perplexity", &err) : 0;
    free(ids);
    free(text);
    gw_session_free(s);
    gw_tokenizer_free(own_tok);
    gw_model_free(m);
    return ret;
}
