/* cmd_tokenize.c — `gemwasm tokenize`: lines of JSON strings on stdin ->
 * one JSON array of token ids per line; --bench measures the tokenizer's
 * load time and encoding speed. */
#include <stdlib.h>
#include <string.h>

#include "cli_tokenizer.h"
#include "cli_util.h"
#include "commands.h"
#include "json.h"

static void help(FILE *f) {
    fprintf(f,
            "usage: gemwasm tokenize (-m MODEL | -t tokenizer.json) [--bos]\n"
            "       gemwasm tokenize --bench (-m MODEL | -t tokenizer.json) [-f FILE] [--lines] [--seconds S]\n"
            "\n"
            "Reads lines of JSON strings on stdin, writes one JSON array of token ids per line.\n"
            "Without --bos this is Hugging Face encode(text, add_special_tokens=False).\n"
            "\n"
            "  -m, --model PATH       GGUF whose tokenizer to use (only its metadata is read)\n"
            "  -t, --tokenizer PATH   a Hugging Face tokenizer.json\n"
            "  --bos                  start each sequence with the BOS token\n"
            "  --bench                print load time and encode speed (MB/s) of FILE\n"
            "  -f, --file PATH        text to encode for --bench (default: a built-in English\n"
            "                         paragraph repeated to 1 MB: flattering, use real text)\n"
            "  --lines                --bench: one encode call per line (as tokenize does)\n"
            "  --seconds S            --bench: encode for at least S seconds (default 2)\n"
            "  -h, --help             this help\n");
}

static const char BENCH_TEXT[] =
    "The quick brown fox jumps over the lazy dog. Language models predict the next token of a text, "
    "one token at a time, from everything that came before it. A tokenizer turns the text into those "
    "tokens: common words become a single token, rare words are split into pieces, and characters the "
    "vocabulary lacks fall back to their bytes.\nIn 2024, researchers released open models in several "
    "sizes, trained on trillions of tokens of web documents, mathematics and code.\n";

/* Encodes text[0..len) once: whole, or line by line (each line its own call,
 * as the tokenize command does). Returns the number of ids, or -1. */
static long long encode_once(const gw_tokenizer *t, const char *text, size_t len, int by_line, gw_err *err) {
    long long total = 0;
    size_t start = 0;
    while (start < len) {
        size_t end = len;
        if (by_line) {
            const char *nl = memchr(text + start, '\n', len - start);
            if (nl) end = (size_t)(nl - text) + 1;
        }
        int32_t *ids;
        size_t n;
        if (gw_tokenizer_encode(t, text + start, end - start, 0, &ids, &n, err)) return -1;
        free(ids);
        total += (long long)n;
        start = end;
    }
    return total;
}

static int bench(const char *model, const char *tok_json, const char *file, double seconds, int by_line) {
    gw_err err = {0};
    gw_tokenizer *t = NULL;
    double t0 = cli_now();
    int rc = cli_load_tokenizer(model, tok_json, &t, &err);
    double load = cli_now() - t0;
    if (rc) return cli_fail("tokenize", &err);
    char *text = NULL;
    size_t len = 0;
    if (file) {
        if (cli_read_file(file, &text, &len, &err)) { gw_tokenizer_free(t); return cli_fail("tokenize", &err); }
    } else {
        size_t one = sizeof BENCH_TEXT - 1, reps = (1 << 20) / one + 1;
        text = malloc(one * reps + 1);
        if (!text) { gw_tokenizer_free(t); return cli_failf("tokenize", "out of memory"); }
        for (size_t i = 0; i < reps; i++) memcpy(text + i * one, BENCH_TEXT, one);
        len = one * reps;
        text[len] = 0;
    }
    size_t total = 0;
    long long n_tok = 0;
    int iters = 0;
    t0 = cli_now();
    double el = 0;
    do {
        n_tok = encode_once(t, text, len, by_line, &err);
        if (n_tok < 0) { rc = 1; break; }
        total += len;
        iters++;
        el = cli_now() - t0;
    } while (el < seconds);
    if (!rc)
        printf("{\"tokens_in_vocab\": %d, \"load_s\": %.3f, \"text_bytes\": %zu, \"text_tokens\": %lld, "
               "\"by_line\": %s, \"iterations\": %d, \"encode_MB_per_s\": %.2f, \"bytes_per_token\": %.2f}\n",
               gw_tokenizer_n_tokens(t), load, len, n_tok, by_line ? "true" : "false", iters, total / el / 1e6,
               n_tok ? (double)len / n_tok : 0.0);
    free(text);
    gw_tokenizer_free(t);
    return rc ? cli_fail("tokenize", &err) : 0;
}

int cmd_tokenize(int argc, char **argv) {
    const char *model = NULL, *tok_json = NULL, *file = NULL;
    int add_bos = 0, do_bench = 0, by_line = 0;
    double seconds = 2.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help(stdout); return 0; }
        else if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has) model = argv[++i];
        else if ((!strcmp(a, "-t") || !strcmp(a, "--tokenizer")) && has) tok_json = argv[++i];
        else if ((!strcmp(a, "-f") || !strcmp(a, "--file")) && has) file = argv[++i];
        else if (!strcmp(a, "--seconds") && has) seconds = atof(argv[++i]);
        else if (!strcmp(a, "--bos")) add_bos = 1;
        else if (!strcmp(a, "--bench")) do_bench = 1;
        else if (!strcmp(a, "--lines")) by_line = 1;
        else { help(stderr); return cli_failf("tokenize", "unknown or incomplete option '%s'", a); }
    }
    if (!model == !tok_json) { help(stderr); return cli_failf("tokenize", "give exactly one of -m MODEL and -t tokenizer.json"); }
    if (do_bench) return bench(model, tok_json, file, seconds, by_line);
    gw_err err = {0};
    gw_tokenizer *t = NULL;
    if (cli_load_tokenizer(model, tok_json, &t, &err)) return cli_fail("tokenize", &err);
    char *line = NULL;
    size_t cap = 0, len, lineno = 0;
    int rc = 0;
    while (!rc && cli_read_line(stdin, &line, &cap, &len)) {
        lineno++;
        gw_json_doc *doc = NULL;
        char name[32];
        snprintf(name, sizeof name, "stdin line %zu", lineno);
        if (gw_json_parse(line, len, name, &doc, &err)) { rc = cli_fail("tokenize", &err); break; }
        size_t sl;
        const char *s = gw_json_str(gw_json_root(doc), &sl);
        if (!s) {
            gw_json_doc_free(doc);
            rc = cli_failf("tokenize", "stdin line %zu: expected a JSON string", lineno);
            break;
        }
        int32_t *ids;
        size_t n;
        if (gw_tokenizer_encode(t, s, sl, add_bos, &ids, &n, &err)) rc = cli_fail("tokenize", &err);
        else {
            putchar('[');
            for (size_t i = 0; i < n; i++) printf(i ? ",%d" : "%d", (int)ids[i]);
            fputs("]\n", stdout);
            free(ids);
        }
        gw_json_doc_free(doc);
    }
    fflush(stdout);
    free(line);
    gw_tokenizer_free(t);
    return rc;
}
