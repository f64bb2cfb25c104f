/* fuzz_json.c — libFuzzer target for the JSON parser: any input must parse
 * or fail cleanly; a parsed document is walked completely. */
#include <stddef.h>
#include <stdint.h>

#include "json.h"

static size_t walk(const gw_json *v, int depth) {
    size_t n = 1;
    switch (gw_json_kind_of(v)) {
    case GW_JSON_ARRAY:
        for (size_t i = 0; i < gw_json_len(v); i++) n += walk(gw_json_at(v, i), depth + 1);
        break;
    case GW_JSON_OBJECT:
        for (size_t i = 0; i < gw_json_len(v); i++) {
            (void)gw_json_get(v, gw_json_key_at(v, i));
            n += walk(gw_json_val_at(v, i), depth + 1);
        }
        break;
    case GW_JSON_STRING: {
        size_t len;
        const char *s = gw_json_str(v, &len);
        if (s[len] != 0) __builtin_trap();
        break;
    }
    default: (void)gw_json_num(v); (void)gw_json_bool(v); break;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gw_json_doc *d = NULL;
    gw_err err;
    if (gw_json_parse((const char *)data, size, "fuzz", &d, &err) == GW_OK) {
        walk(gw_json_root(d), 0);
        gw_json_doc_free(d);
    } else if (d != NULL || err.msg[0] == 0) {
        __builtin_trap();
    }
    return 0;
}
