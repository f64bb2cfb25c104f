/* convert_tokenizer.c — the converter's tokenizer step: embeds the
 * checkpoint's tokenizer.json (or else its SentencePiece tokenizer.model)
 * as llama.cpp's tokenizer.ggml.* keys, plus tokenizer.chat_template from
 * chat_template.jinja or tokenizer_config.json; and the key writer itself
 * (gw_tokenizer_write_gguf, declared in core/tokenizer.h). */
#include <stdio.h>
#include <stdlib.h>

#include "convert.h"
#include "json.h"
#include "tokenizer_internal.h"

int gw_tokenizer_write_gguf(const gw_tokenizer *t, gw_gguf_writer *w, int pad_to, gw_err *err) {
    int n = t->n, total = pad_to > n ? pad_to : n;
    const char **strs = malloc((size_t)total * sizeof *strs);
    uint64_t *lens = malloc((size_t)total * sizeof *lens);
    float *scores = malloc((size_t)total * sizeof *scores);
    int32_t *types = malloc((size_t)total * sizeof *types);
    char *pads = NULL;
    char **mstrs = NULL;
    uint64_t *mlens = NULL;
    int rc = GW_OK;
    if (!strs || !lens || !scores || !types) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
    if (total > n && !(pads = malloc((size_t)(total - n) * 24))) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
    for (int i = 0; i < total; i++) {
        if (i < n) {
            strs[i] = t->arena + t->off[i];
            lens[i] = t->len[i];
            types[i] = t->type[i];
            scores[i] = t->scores ? t->scores[i] : -1e9f;
        } else {
            char *p = pads + (size_t)(i - n) * 24;
            snprintf(p, 24, "[PAD%d]", i);
            strs[i] = p;
            lens[i] = strlen(p);
            types[i] = GW_TOK_UNUSED;
            scores[i] = -1e9f;
        }
    }
    /* merges in rank order; scores from ranks when the tokenizer has none */
    if (t->n_merges) {
        mstrs = calloc((size_t)t->n_merges, sizeof *mstrs);
        mlens = calloc((size_t)t->n_merges, sizeof *mlens);
        if (!mstrs || !mlens) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
        for (uint64_t i = 0; i <= t->mmask; i++) {
            const gw_merge_ent *e = &t->mhash[i];
            if (!e->key || e->rank < 0 || e->rank >= t->n_merges || mstrs[e->rank]) continue;
            uint64_t k = e->key - 1;
            int l = (int)(k >> 32), r = (int)(uint32_t)k;
            size_t ml = t->len[l] + 1 + t->len[r];
            char *s = malloc(ml + 1);
            if (!s) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
            memcpy(s, t->arena + t->off[l], t->len[l]);
            s[t->len[l]] = ' ';
            memcpy(s + t->len[l] + 1, t->arena + t->off[r], t->len[r]);
            s[ml] = 0;
            mstrs[e->rank] = s;
            mlens[e->rank] = ml;
            if (!t->scores && -(float)e->rank > scores[e->id]) scores[e->id] = -(float)e->rank;
        }
        for (int i = 0; i < t->n_merges; i++)
            if (!mstrs[i]) { rc = gw_set_err(err, GW_E_INVALID, "tokenizer: merge ranks are not contiguous"); goto done; }
    }
    int e = 0;
    e |= gw_gguf_writer_set_str(w, "tokenizer.ggml.model", "llama");
    e |= gw_gguf_writer_set_str(w, "tokenizer.ggml.pre", "default");
    e |= gw_gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", strs, lens, (uint64_t)total);
    e |= gw_gguf_writer_set_arr(w, "tokenizer.ggml.scores", GW_GGUF_FLOAT32, scores, (uint64_t)total);
    e |= gw_gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GW_GGUF_INT32, types, (uint64_t)total);
    if (t->n_merges)
        e |= gw_gguf_writer_set_arr_str(w, "tokenizer.ggml.merges", (const char *const *)mstrs, mlens, (uint64_t)t->n_merges);
    if (t->bos >= 0) e |= gw_gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)t->bos);
    if (t->eos >= 0) e |= gw_gguf_writer_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)t->eos);
    if (t->eot >= 0) e |= gw_gguf_writer_set_u32(w, "tokenizer.ggml.eot_token_id", (uint32_t)t->eot);
    if (t->unk >= 0) e |= gw_gguf_writer_set_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)t->unk);
    if (t->pad >= 0) e |= gw_gguf_writer_set_u32(w, "tokenizer.ggml.padding_token_id", (uint32_t)t->pad);
    e |= gw_gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", t->add_bos);
    e |= gw_gguf_writer_set_bool(w, "tokenizer.ggml.add_eos_token", 0);
    e |= gw_gguf_writer_set_bool(w, "tokenizer.ggml.add_space_prefix", t->add_prefix_space);
    if (t->chat_template) e |= gw_gguf_writer_set_str(w, "tokenizer.chat_template", t->chat_template);
    if (e) rc = gw_set_err(err, GW_E_NOMEM, "tokenizer: writing the GGUF keys failed (out of memory)");
done:
    if (mstrs) for (int i = 0; i < t->n_merges; i++) free(mstrs[i]);
    free(mstrs); free(mlens); free(strs); free(lens); free(scores); free(types); free(pads);
    return rc;
}

/* Whole file into a malloc'd buffer; GW_E_NOT_FOUND when it does not exist. */
static int read_all(const char *path, char **buf, size_t *len, gw_err *err) {
    *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return GW_E_NOT_FOUND;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n - 1, f);
        if (n + 1 < cap) break;
        char *g = realloc(b, cap *= 2);
        if (!g) { free(b); b = NULL; break; }
        b = g;
    }
    int bad = !b || ferror(f);
    fclose(f);
    if (bad) { free(b); return gw_set_err(err, b ? GW_E_IO : GW_E_NOMEM, "%s: cannot read", path); }
    b[n] = 0;
    *buf = b;
    *len = n;
    return GW_OK;
}

/* chat_template.jinja (transformers 5), else tokenizer_config.json's
 * chat_template when it is a string. *out malloc'd or NULL. */
static int read_chat_template(const char *dir, char **out, gw_err *err) {
    char path[4096];
    char *buf;
    size_t len;
    *out = NULL;
    snprintf(path, sizeof path, "%s/chat_template.jinja", dir);
    int rc = read_all(path, &buf, &len, err);
    if (rc == GW_OK) { *out = buf; return GW_OK; }
    if (rc != GW_E_NOT_FOUND) return rc;
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    rc = read_all(path, &buf, &len, err);
    if (rc == GW_E_NOT_FOUND) return GW_OK;
    if (rc) return rc;
    gw_json_doc *doc = NULL;
    rc = gw_json_parse(buf, len, path, &doc, err);
    if (!rc) {
        const gw_json *root = gw_json_root(doc), *ct = gw_json_kind_of(root) == GW_JSON_OBJECT ? gw_json_get(root, "chat_template") : NULL;
        size_t sl;
        const char *s = ct ? gw_json_str(ct, &sl) : NULL;
        if (s) {
            *out = malloc(sl + 1);
            if (!*out) rc = gw_set_err(err, GW_E_NOMEM, "out of memory");
            else memcpy(*out, s, sl + 1);
        }
    }
    gw_json_doc_free(doc);
    free(buf);
    return rc;
}

int gw_convert_tokenizer(gw_convert_ctx *c) {
    char path[4096];
    char *buf = NULL, *tmpl = NULL;
    size_t len;
    gw_tokenizer *t = NULL;
    snprintf(path, sizeof path, "%s/tokenizer.json", c->hf_dir);
    int rc = read_all(path, &buf, &len, c->err);
    if (rc == GW_OK) rc = gw_tokenizer_from_json(buf, len, path, &t, c->err);
    else if (rc == GW_E_NOT_FOUND) {
        snprintf(path, sizeof path, "%s/tokenizer.model", c->hf_dir);
        rc = read_all(path, &buf, &len, c->err);
        if (rc == GW_E_NOT_FOUND) return GW_OK; /* no tokenizer files: nothing to embed */
        if (rc == GW_OK) rc = gw_tokenizer_from_spm((const uint8_t *)buf, len, path, &t, c->err);
    }
    free(buf);
    if (!rc) rc = read_chat_template(c->hf_dir, &tmpl, c->err);
    if (!rc && tmpl) {
        free(t->chat_template);
        t->chat_template = tmpl;
        tmpl = NULL;
    }
    if (!rc) {
        int64_t vocab = 0;
        if (gw_hf_cfg_int(c->hf, "vocab_size", &vocab, NULL) != GW_OK || vocab > (1 << 24)) vocab = 0;
        rc = gw_tokenizer_write_gguf(t, c->w, (int)vocab, c->err);
    }
    free(tmpl);
    gw_tokenizer_free(t);
    return rc;
}
