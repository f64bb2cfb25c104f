/* convert.c — the generic part of HF -> GGUF conversion (see convert.h):
 * the {model_type -> converter} table, type selection and quantization of
 * each tensor, general.* metadata, the tokenizer slot, and writing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "kernels.h"

/* model_type (config.json, root or text_config) -> converter. */
static const struct { const char *model_type; gw_convert_fn fn; } converters[] = {
    {"gemma", gw_convert_gemma},
    {"gemma2", gw_convert_gemma},
    {"gemma3", gw_convert_gemma},
    {"gemma3_text", gw_convert_gemma},
    {"recurrent_gemma", gw_convert_recurrentgemma},
};
#define N_CONVERTERS (sizeof converters / sizeof converters[0])

int gw_convert_file_type(int type) {
    switch (type) {
    case GW_TYPE_F32: return 0;
    case GW_TYPE_F16: return 1;
    case GW_TYPE_Q4_0: return 2;
    case GW_TYPE_Q8_0: return 7;
    case GW_TYPE_BF16: return 32;
    default: return -1;
    }
}

static int is_quant(int type) { return type == GW_TYPE_Q8_0 || type == GW_TYPE_Q4_0; }

int gw_convert_add_f32(gw_convert_ctx *c, const char *gguf_name, int ndim, const int64_t *ne,
                       const float *data, int flags) {
    int64_t rows = 1;
    for (int d = 1; d < ndim; d++) rows *= ne[d];
    int type = c->type;
    if (ndim == 1 || (flags & GW_CONV_F32)) type = GW_TYPE_F32;
    if (is_quant(type) && ne[0] % gw_type_block_size(type)) type = GW_TYPE_F16;
    size_t row = gw_type_row_bytes(type, ne[0]);
    size_t nbytes = row * (size_t)rows;
    uint8_t *buf = malloc(nbytes ? nbytes : 1);
    float *tmp = (flags & GW_CONV_NORM) ? malloc((size_t)ne[0] * sizeof *tmp) : NULL;
    if (!buf || ((flags & GW_CONV_NORM) && !tmp)) {
        free(buf);
        free(tmp);
        return gw_set_err(c->err, GW_E_NOMEM, "%s: out of memory", gguf_name);
    }
    int rc = GW_OK;
    for (int64_t r = 0; r < rows && !rc; r++) {
        const float *src = data + r * ne[0];
        if (tmp) {
            for (int64_t i = 0; i < ne[0]; i++) tmp[i] = src[i] + 1.0f;
            src = tmp;
        }
        rc = gw_quantize_row(type, src, buf + r * row, ne[0]);
    }
    free(tmp);
    if (rc) {
        free(buf);
        return gw_set_err(c->err, rc, "%s: cannot store as %s", gguf_name, gw_type_name(type));
    }
    rc = gw_gguf_writer_add_tensor(c->w, gguf_name, type, ndim, ne, buf, nbytes);
    free(buf);
    if (rc) return gw_set_err(c->err, rc, "%s: cannot add tensor (duplicate name or out of memory)", gguf_name);
    return GW_OK;
}

const gw_hf_tensor *gw_convert_find(gw_convert_ctx *c, const char *hf_name) { return gw_hf_find(c->hf, hf_name); }

int gw_convert_tensor(gw_convert_ctx *c, const char *gguf_name, const char *hf_name, int ndim,
                      const int64_t *want, int flags) {
    const gw_hf_tensor *t = gw_hf_find(c->hf, hf_name);
    if (!t) return gw_set_err(c->err, GW_E_NOT_FOUND, "%s: missing tensor '%s'", c->hf_dir, hf_name);
    const char *file = gw_hf_file_path(c->hf, t->file);
    int ok = t->ndim == ndim;
    for (int d = 0; ok && want && d < ndim; d++) ok = !want[d] || want[d] == t->shape[d];
    if (!ok) {
        char got[96] = "", exp[96] = "";
        for (int d = 0; d < t->ndim; d++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? ", " : "", (long long)t->shape[d]);
        for (int d = 0; d < ndim; d++)
            snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%lld", d ? ", " : "",
                     (long long)(want ? want[d] : 0));
        return gw_set_err(c->err, GW_E_FORMAT, "%s: tensor '%s' has shape [%s] but config.json implies [%s]", file,
                          hf_name, got, exp);
    }
    int64_t n = 1, ne[GW_MAX_DIMS] = {1, 1, 1, 1};
    for (int d = 0; d < ndim; d++) {
        ne[d] = t->shape[ndim - 1 - d];
        n *= ne[d];
    }
    if (n == 0) return gw_set_err(c->err, GW_E_FORMAT, "%s: tensor '%s' is empty", file, hf_name);
    float *data = malloc((size_t)n * sizeof *data);
    if (!data) return gw_set_err(c->err, GW_E_NOMEM, "%s: out of memory reading '%s'", file, hf_name);
    int rc = gw_hf_read_f32(c->hf, t, data, c->err);
    if (!rc) rc = gw_convert_add_f32(c, gguf_name, ndim ? ndim : 1, ne, data, flags);
    free(data);
    return rc;
}

static const char *base_name(const char *dir, char *buf, size_t cap) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    size_t s = n;
    while (s > 0 && dir[s - 1] != '/') s--;
    snprintf(buf, cap, "%.*s", (int)(n - s), dir + s);
    return buf;
}

int gw_convert_run(const char *hf_dir, const char *out_path, const gw_convert_opts *o, int *n_files,
                   gw_err *err) {
    if (n_files) *n_files = 0;
    if (gw_convert_file_type(o->type) < 0)
        return gw_set_err(err, GW_E_INVALID, "unsupported output type %s (f32, f16, bf16, q8_0, q4_0)",
                          gw_type_name(o->type) ? gw_type_name(o->type) : "?");
    gw_hf *hf = NULL;
    gw_gguf_writer *w = NULL;
    int rc = gw_hf_open(hf_dir, &hf, err);
    if (rc) return rc;
    if ((rc = gw_gguf_writer_new(&w, err))) goto done;
    gw_convert_fn fn = NULL;
    for (size_t i = 0; i < N_CONVERTERS && !fn; i++)
        if (!strcmp(gw_hf_root_model_type(hf), converters[i].model_type)) fn = converters[i].fn;
    for (size_t i = 0; i < N_CONVERTERS && !fn; i++)
        if (!strcmp(gw_hf_model_type(hf), converters[i].model_type)) fn = converters[i].fn;
    if (!fn) {
        char list[256] = "";
        for (size_t i = 0; i < N_CONVERTERS; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", converters[i].model_type);
        rc = gw_set_err(err, GW_E_UNSUPPORTED, "%s/config.json: model_type '%s' is not supported (supported: %s)",
                        hf_dir, gw_hf_root_model_type(hf), list);
        goto done;
    }
    gw_convert_ctx c = {hf, w, o->type, hf_dir, err};
    char name[256];
    gw_gguf_writer_set_str(w, "general.name", base_name(hf_dir, name, sizeof name));
    gw_gguf_writer_set_u32(w, "general.alignment", 32);
    if ((rc = fn(&c))) goto done;
    gw_gguf_writer_set_u32(w, "general.file_type", (uint32_t)gw_convert_file_type(o->type));
    if (is_quant(o->type)) gw_gguf_writer_set_u32(w, "general.quantization_version", 2);
    if ((rc = gw_convert_tokenizer(&c))) goto done; /* loader/convert_tokenizer.c */
    rc = gw_gguf_writer_write(w, out_path, o->split_max_bytes, n_files, err);
done:
    gw_gguf_writer_free(w);
    gw_hf_close(hf);
    return rc;
}

int gw_convert_opt_int(gw_convert_ctx *c, const char *k, int64_t dflt, int64_t *out) {
    int rc = gw_hf_cfg_int(c->hf, k, out, c->err);
    if (rc == GW_E_NOT_FOUND) { *out = dflt; return GW_OK; }
    return rc;
}

int gw_convert_opt_num(gw_convert_ctx *c, const char *k, double dflt, double *out) {
    int rc = gw_hf_cfg_num(c->hf, k, out, c->err);
    if (rc == GW_E_NOT_FOUND) { *out = dflt; return GW_OK; }
    return rc;
}
