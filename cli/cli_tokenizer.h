/* cli_tokenizer.h — helpers for the text subcommands (tokenize, detokenize,
 * generate --prompt, chat): loading a tokenizer from a GGUF's metadata
 * (without its weights) or a tokenizer.json, reading lines, JSON strings. */
#ifndef GW_CLI_TOKENIZER_H
#define GW_CLI_TOKENIZER_H

#include <stdio.h>

#include "generate.h"
#include "tokenizer.h"

/* From model_path (a GGUF: only its metadata is read) or json_path. */
int cli_load_tokenizer(const char *model_path, const char *json_path, gw_tokenizer **out, gw_err *err);
/* Whole file, malloc'd, NUL-terminated. */
int cli_read_file(const char *path, char **buf, size_t *len, gw_err *err);
/* One line without its '\n' into *buf (grown as needed). 0 at end of input. */
int cli_read_line(FILE *f, char **buf, size_t *cap, size_t *len);
/* s[0..n) as a JSON string literal. */
void cli_write_json_str(FILE *f, const char *s, size_t n);
/* Sampling and stopping flags shared by generate and chat: if argv[*i] is
 * one (--temp --top-k --top-p --min-p --repeat-penalty --repeat-last-n
 * --freq-penalty --presence-penalty --seed --stop -n), consumes it (and its
 * value), and returns 1; -1 on a bad value (message printed); 0 if not one.
 * Stop strings point into argv (at most CLI_MAX_STOP). */
#define CLI_MAX_STOP 16
typedef struct cli_gen_opts {
    gw_gen_params gen;
    const char *stops[CLI_MAX_STOP];
    int temp_given, top_k_given, top_p_given;
} cli_gen_opts;
void cli_gen_opts_init(cli_gen_opts *o, int max_tokens);
int cli_parse_gen_flag(const char *cmd, int argc, char **argv, int *i, cli_gen_opts *o);
/* Finishes o->gen after parsing (greedy unless --temp > 0). */
void cli_gen_opts_done(cli_gen_opts *o);
extern const char CLI_GEN_HELP[];
/* Seconds from a monotonic clock. */
double cli_now(void);

#endif
