/* cli_tokenizer.h — helpers for the text subcommands (tokenize, detokenize,
 * generate --prompt, chat): loading a tokenizer from a GGUF's metadata
 * (without its weights) or a tokenizer.json, reading lines, JSON strings. */
#ifndef GW_CLI_TOKENIZER_H
#define GW_CLI_TOKENIZER_H

#include <stdio.h>

#include "tokenizer.h"

/* From model_path (a GGUF: only its metadata is read) or json_path. */
int cli_load_tokenizer(const char *model_path, const char *json_path, gw_tokenizer **out, gw_err *err);
/* Whole file, malloc'd, NUL-terminated. */
int cli_read_file(const char *path, char **buf, size_t *len, gw_err *err);
/* One line without its '\n' into *buf (grown as needed). 0 at end of input. */
int cli_read_line(FILE *f, char **buf, size_t *cap, size_t *len);
/* s[0..n) as a JSON string literal. */
void cli_write_json_str(FILE *f, const char *s, size_t n);
/* Seconds from a monotonic clock. */
double cli_now(void);

#endif
