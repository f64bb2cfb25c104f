/* fuzz_safetensors.c — libFuzzer target for the safetensors header parser:
 * the input is a whole file; it must parse or fail with a message, and every
 * tensor of a parsed file lies inside the input and converts to f32 when its
 * dtype is a float one. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "safetensors.h"

static volatile float sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gw_safetensors *st = NULL;
    gw_err err;
    err.msg[0] = 0;
    size_t need = 0;
    int rc = gw_safetensors_parse(data, size, size, "fuzz", &st, &need, &err);
    if (rc) {
        if (st || err.msg[0] == 0 || rc == GW_E_NEED_MORE) __builtin_trap();
        return 0;
    }
    for (int i = 0; i < gw_safetensors_n_tensors(st); i++) {
        const gw_st_tensor *t = gw_safetensors_tensor(st, i);
        if (t->offset > size || t->nbytes > size - t->offset) __builtin_trap();
        if (gw_safetensors_find(st, t->name) != t) __builtin_trap();
        int es = gw_st_dtype_size(t->dtype);
        if (gw_st_dtype_type(t->dtype) >= 0 && es && t->nbytes <= 1 << 16) {
            int64_t n = (int64_t)(t->nbytes / (uint64_t)es);
            float *f = malloc((size_t)(n ? n : 1) * sizeof *f);
            if (f && gw_st_to_f32(t->dtype, data + t->offset, f, n) == GW_OK && n) sink += f[n - 1];
            free(f);
        }
    }
    gw_safetensors_free(st);
    return 0;
}
