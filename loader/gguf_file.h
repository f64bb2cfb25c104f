/* gguf_file.h — reading GGUF models from disk (native CLI and the wasm CLI
 * under NODERAWFS): the header is read incrementally, then the tensor data is
 * read straight into the block it lives in. */
#ifndef GW_GGUF_FILE_H
#define GW_GGUF_FILE_H

#include "gguf.h"

/* Open one GGUF file. */
int gw_gguf_open_file(const char *path, gw_gguf **out, gw_err *err);
/* Open a model: a single file, or any split of a set (finds the others next
 * to it by name); validated. */
int gw_gguf_set_open(const char *path, gw_gguf_set **out, gw_err *err);

#endif
