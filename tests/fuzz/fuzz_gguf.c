/* fuzz_gguf.c — libFuzzer target for the GGUF parser: any input must parse,
 * ask for more bytes (need > len), or fail with a message; a parsed file is
 * walked completely (metadata through every getter, tensors, lookups) and,
 * when its data fits in the input, attached and read through a split set. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gguf.h"

static volatile uint64_t sink;

static void walk(gw_gguf *g) {
    gw_err err;
    for (int i = 0; i < gw_gguf_n_kv(g); i++) {
        const char *k = gw_gguf_kv_key(g, i);
        if (gw_gguf_find_key(g, k) < 0) __builtin_trap();
        uint32_t u;
        int64_t s;
        float f;
        int b, et;
        uint64_t n;
        const void *data;
        gw_gguf_str str;
        if (gw_gguf_get_u32(g, k, &u, &err) == GW_OK) sink += u;
        if (gw_gguf_get_i64(g, k, &s, &err) == GW_OK) sink += (uint64_t)s;
        if (gw_gguf_get_f32(g, k, &f, &err) == GW_OK) sink += (uint64_t)(f == f);
        if (gw_gguf_get_bool(g, k, &b, &err) == GW_OK) sink += (uint64_t)b;
        if (gw_gguf_get_str(g, k, &str, &err) == GW_OK) {
            if (str.s[str.len] != 0) __builtin_trap();
            sink += str.len;
        }
        if (gw_gguf_get_arr(g, k, &et, &n, &data, &err) == GW_OK && n) {
            if (et == GW_GGUF_STRING) {
                const gw_gguf_str *a = data;
                sink += a[n - 1].len + (uint8_t)a[0].s[0];
            } else {
                sink += ((const uint8_t *)data)[0];
            }
        }
    }
    for (int i = 0; i < gw_gguf_n_tensors(g); i++) {
        const gw_tensor *t = gw_gguf_tensor(g, i);
        if (gw_gguf_find_tensor(g, t->name) != t) __builtin_trap();
        if (gw_gguf_tensor_offset(g, i) + t->nbytes > gw_gguf_data_size(g)) __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gw_gguf *g = NULL;
    gw_err err;
    err.msg[0] = 0;
    size_t need = 0;
    int rc = gw_gguf_parse(data, size, "fuzz", &g, &need, &err);
    if (rc == GW_E_NEED_MORE) {
        if (g || need <= size) __builtin_trap();
        return 0;
    }
    if (rc) {
        if (g || err.msg[0] == 0) __builtin_trap();
        return 0;
    }
    walk(g);
    uint64_t off = gw_gguf_data_offset(g), len = gw_gguf_data_size(g);
    if (off <= size && len <= size - off && gw_gguf_attach_data(g, data + off, len, &err) == GW_OK) {
        for (int i = 0; i < gw_gguf_n_tensors(g); i++) {
            const gw_tensor *t = gw_gguf_tensor(g, i);
            if (t->nbytes) sink += ((const uint8_t *)t->data)[t->nbytes - 1];
        }
        gw_gguf_set *s = NULL;
        if (gw_gguf_set_new(&s, &err) == GW_OK) {
            if (gw_gguf_set_add(s, g, &err) == GW_OK && gw_gguf_set_validate(s, &err) == GW_OK &&
                gw_gguf_n_tensors(g) > 0)
                if (!gw_gguf_set_find_tensor(s, gw_gguf_tensor(g, 0)->name)) __builtin_trap();
            gw_gguf_set_free(s); /* owns g from gw_gguf_set_add on */
        } else {
            gw_gguf_free(g);
        }
        return 0;
    }
    gw_gguf_free(g);
    return 0;
}
