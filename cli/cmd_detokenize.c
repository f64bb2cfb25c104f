/* cmd_detokenize.c — `gemwasm detokenize`: lines of JSON arrays of token
 * ids on stdin -> one JSON string per line (Hugging Face decode(ids)). */
#include <stdlib.h>
#include <string.h>

#include "cli_tokenizer.h"
#include "cli_util.h"
#include "commands.h"
#include "json.h"

static void help(FILE *f) {
    fprintf(f,
            "usage: gemwasm detokenize (-m MODEL | -t tokenizer.json) [--skip-special]\n"
            "\n"
            "Reads lines of JSON arrays of token ids on stdin, writes the decoded text of each\n"
            "as a JSON string per line (Hugging Face decode(ids)).\n"
            "\n"
            "  -m, --model PATH       GGUF whose tokenizer to use (only its metadata is read)\n"
            "  -t, --tokenizer PATH   a Hugging Face tokenizer.json\n"
            "  --skip-special         leave out special tokens (<bos>, <end_of_turn>, ...)\n"
            "  -h, --help             this help\n");
}

int cmd_detokenize(int argc, char **argv) {
    const char *model = NULL, *tok_json = NULL;
    int skip = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help(stdout); return 0; }
        else if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has) model = argv[++i];
        else if ((!strcmp(a, "-t") || !strcmp(a, "--tokenizer")) && has) tok_json = argv[++i];
        else if (!strcmp(a, "--skip-special")) skip = 1;
        else { help(stderr); return cli_failf("detokenize", "unknown or incomplete option '%s'", a); }
    }
    if (!model == !tok_json) { help(stderr); return cli_failf("detokenize", "give exactly one of -m MODEL and -t tokenizer.json"); }
    gw_err err = {0};
    gw_tokenizer *t = NULL;
    if (cli_load_tokenizer(model, tok_json, &t, &err)) return cli_fail("detokenize", &err);
    char *line = NULL;
    size_t cap = 0, len, lineno = 0;
    int rc = 0;
    int32_t *ids = NULL;
    while (!rc && cli_read_line(stdin, &line, &cap, &len)) {
        lineno++;
        gw_json_doc *doc = NULL;
        char name[32];
        snprintf(name, sizeof name, "stdin line %zu", lineno);
        if (gw_json_parse(line, len, name, &doc, &err)) { rc = cli_fail("detokenize", &err); break; }
        const gw_json *arr = gw_json_root(doc);
        size_t n = gw_json_len(arr);
        if (gw_json_kind_of(arr) != GW_JSON_ARRAY) rc = cli_failf("detokenize", "stdin line %zu: expected a JSON array of ids", lineno);
        int32_t *g = rc ? NULL : realloc(ids, (n + 1) * sizeof *ids);
        if (!rc && !g) rc = cli_failf("detokenize", "out of memory");
        if (g) ids = g;
        for (size_t i = 0; i < n && !rc; i++) {
            const gw_json *v = gw_json_at(arr, i);
            double d = gw_json_num(v);
            if (gw_json_kind_of(v) != GW_JSON_NUMBER || d < 0 || d > 2147483647.0 || d != (int32_t)d)
                rc = cli_failf("detokenize", "stdin line %zu: element %zu is not a token id", lineno, i);
            else ids[i] = (int32_t)d;
        }
        char *text = NULL;
        size_t tl;
        if (!rc && gw_tokenizer_decode(t, ids, n, skip, &text, &tl, &err)) rc = cli_fail("detokenize", &err);
        if (!rc) { cli_write_json_str(stdout, text, tl); fputc('\n', stdout); }
        free(text);
        gw_json_doc_free(doc);
    }
    fflush(stdout);
    free(ids);
    free(line);
    gw_tokenizer_free(t);
    return rc;
}
