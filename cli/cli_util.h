/* cli_util.h — helpers shared by the CLI subcommands: loading a model from
 * a path, parsing id lists and sizes, writing .npy files, error printing. */
#ifndef GW_CLI_UTIL_H
#define GW_CLI_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "gemwasm.h"

/* Prints "gemwasm <cmd>: <message>" to stderr and returns 1. */
int cli_fail(const char *cmd, const gw_err *err);
int cli_failf(const char *cmd, const char *fmt, ...);
/* Loads a model from a GGUF file or any split of a set. */
int cli_load_model(const char *path, gw_model **out, gw_err *err);
/* "2,17,5" -> malloc'd ids. Returns count, or -1 on a malformed list. */
int cli_parse_ids(const char *s, int32_t **out);
/* Writes a float32 C-order .npy with shape [rows, cols]; atomic (tmp+rename). */
int cli_write_npy(const char *path, const float *data, int64_t rows, int64_t cols, gw_err *err);
/* Parses a positive int option value; returns 0 on error. */
int cli_parse_int(const char *s, int *out);
/* Index of the max value. */
int cli_argmax(const float *x, int n);

#endif
