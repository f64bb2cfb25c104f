/* tokenizer_load.c — building a gw_tokenizer from a Hugging Face
 * tokenizer.json, from GGUF tokenizer.ggml.* metadata, or from plain arrays.
 * Inputs are hostile: every id, count and string is checked. */
#include <stdlib.h>

#include "json.h"
#include "tokenizer_internal.h"

/* merges given as "left right" strings (llama.cpp), added at ranks 0.. */
static int add_str_merges(gw_tokenizer *t, const char *const *m, const size_t *ml, int n,
                          const char *name, gw_err *err) {
    int rc = tok_alloc_merges(t, (size_t)n, err);
    for (int i = 0; i < n && !rc; i++) {
        const char *s = m[i];
        size_t len = ml[i], sp = 0;
        for (size_t k = 1; k < len; k++) if (s[k] == ' ') { sp = k; break; }
        if (!sp) return gw_set_err(err, GW_E_FORMAT, "%s: merge %d has no space separating two tokens", name, i);
        int l = gw_tokenizer_find(t, s, sp), r = gw_tokenizer_find(t, s + sp + 1, len - sp - 1);
        if (l < 0 || r < 0)
            return gw_set_err(err, GW_E_FORMAT, "%s: merge %d ('%.*s') names a token not in the vocabulary",
                              name, i, (int)(len > 80 ? 80 : len), s);
        rc = tok_add_merge(t, l, r, i, name, err);
    }
    return rc;
}

int gw_tokenizer_from_spec(const gw_tokenizer_spec *sp, gw_tokenizer **out, gw_err *err) {
    const char *name = sp->name ? sp->name : "tokenizer";
    gw_tokenizer *t = NULL;
    int rc = tok_new_vocab(sp, &t, err);
    if (!rc) {
        if (sp->n_merges > 0) rc = add_str_merges(t, sp->merges, sp->merge_lens, sp->n_merges, name, err);
        else rc = tok_derive_merges(t, err);
    }
    if (!rc) rc = tok_finish(t, err);
    if (rc) { gw_tokenizer_free(t); return rc; }
    *out = t;
    return GW_OK;
}

/* ---- GGUF ------------------------------------------------------------------ */

int gw_tokenizer_from_gguf(const gw_gguf *g, gw_tokenizer **out, gw_err *err) {
    *out = NULL;
    const char *name = gw_gguf_name(g);
    int et;
    uint64_t n;
    const void *data;
    int rc = gw_gguf_get_arr(g, "tokenizer.ggml.tokens", &et, &n, &data, err);
    if (rc == GW_E_NOT_FOUND) { gw_err_clear(err); return GW_E_NOT_FOUND; }
    if (rc) return rc;
    if (et != GW_GGUF_STRING || n == 0 || n > (1u << 24))
        return gw_set_err(err, GW_E_FORMAT, "%s: tokenizer.ggml.tokens must be a non-empty string array", name);
    gw_gguf_str model;
    if (gw_gguf_get_str(g, "tokenizer.ggml.model", &model, NULL) == GW_OK &&
        strcmp(model.s, "llama") && strcmp(model.s, "gemma"))
        return gw_set_err(err, GW_E_UNSUPPORTED,
                          "%s: tokenizer.ggml.model '%s' is not supported (Gemma's is 'llama': SentencePiece)",
                          name, model.s);
    gw_tokenizer_spec sp = {0};
    sp.name = name;
    sp.n_tokens = (int)n;
    sp.byte_fallback = 1;
    const gw_gguf_str *toks = data;
    const char **strs = malloc(n * sizeof *strs);
    size_t *lens = malloc(n * sizeof *lens);
    float *scores = NULL;
    int32_t *types = NULL;
    const char **mstrs = NULL;
    size_t *mlens = NULL;
    if (!strs || !lens) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
    for (uint64_t i = 0; i < n; i++) { strs[i] = toks[i].s; lens[i] = toks[i].len; }
    sp.tokens = strs;
    sp.token_lens = lens;

    uint64_t m;
    rc = gw_gguf_get_arr(g, "tokenizer.ggml.scores", &et, &m, &data, err);
    if (rc == GW_OK) {
        if (et != GW_GGUF_FLOAT32 || m != n) {
            rc = gw_set_err(err, GW_E_FORMAT, "%s: tokenizer.ggml.scores must be %llu float32 values",
                            name, (unsigned long long)n);
            goto done;
        }
        if (!(scores = malloc(n * sizeof *scores))) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
        memcpy(scores, data, n * sizeof *scores);
        sp.scores = scores;
    } else if (rc != GW_E_NOT_FOUND) goto done;
    rc = gw_gguf_get_arr(g, "tokenizer.ggml.token_type", &et, &m, &data, err);
    if (rc == GW_OK) {
        if ((et != GW_GGUF_INT32 && et != GW_GGUF_UINT32) || m != n) {
            rc = gw_set_err(err, GW_E_FORMAT, "%s: tokenizer.ggml.token_type must be %llu int32 values",
                            name, (unsigned long long)n);
            goto done;
        }
        if (!(types = malloc(n * sizeof *types))) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
        memcpy(types, data, n * sizeof *types);
        sp.types = types;
    } else if (rc != GW_E_NOT_FOUND) goto done;
    rc = gw_gguf_get_arr(g, "tokenizer.ggml.merges", &et, &m, &data, err);
    if (rc == GW_OK) {
        if (et != GW_GGUF_STRING || m > (1u << 26)) {
            rc = gw_set_err(err, GW_E_FORMAT, "%s: tokenizer.ggml.merges must be a string array", name);
            goto done;
        }
        const gw_gguf_str *ms = data;
        mstrs = malloc((m + 1) * sizeof *mstrs);
        mlens = malloc((m + 1) * sizeof *mlens);
        if (!mstrs || !mlens) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
        for (uint64_t i = 0; i < m; i++) { mstrs[i] = ms[i].s; mlens[i] = ms[i].len; }
        sp.merges = mstrs;
        sp.merge_lens = mlens;
        sp.n_merges = (int)m;
    } else if (rc != GW_E_NOT_FOUND) goto done;
    gw_err_clear(err);

    uint32_t v;
    sp.bos_id = sp.eos_id = sp.eot_id = sp.unk_id = sp.pad_id = -1;
    if (gw_gguf_get_u32(g, "tokenizer.ggml.bos_token_id", &v, NULL) == GW_OK) sp.bos_id = v < n ? (int)v : -1;
    if (gw_gguf_get_u32(g, "tokenizer.ggml.eos_token_id", &v, NULL) == GW_OK) sp.eos_id = v < n ? (int)v : -1;
    if (gw_gguf_get_u32(g, "tokenizer.ggml.eot_token_id", &v, NULL) == GW_OK) sp.eot_id = v < n ? (int)v : -1;
    if (gw_gguf_get_u32(g, "tokenizer.ggml.unknown_token_id", &v, NULL) == GW_OK) sp.unk_id = v < n ? (int)v : -1;
    if (gw_gguf_get_u32(g, "tokenizer.ggml.padding_token_id", &v, NULL) == GW_OK) sp.pad_id = v < n ? (int)v : -1;
    int b = 1;
    if (gw_gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &b, NULL) == GW_OK) sp.add_bos = b;
    else sp.add_bos = 1;
    if (gw_gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &b, NULL) == GW_OK) sp.add_prefix_space = b;
    gw_gguf_str tmpl;
    if (gw_gguf_get_str(g, "tokenizer.chat_template", &tmpl, NULL) == GW_OK) sp.chat_template = tmpl.s;
    rc = gw_tokenizer_from_spec(&sp, out, err);
done:
    free(strs); free(lens); free(scores); free(types); free(mstrs); free(mlens);
    return rc;
}

/* ---- tokenizer.json ------------------------------------------------------------ */

static const gw_json *jget(const gw_json *o, const char *k) {
    return gw_json_kind_of(o) == GW_JSON_OBJECT ? gw_json_get(o, k) : NULL;
}
static const char *jstr(const gw_json *o, const char *k) { const gw_json *v = jget(o, k); return v ? gw_json_str(v, NULL) : NULL; }

/* Gemma normalizers: Replace(' ' -> '▁'), optionally Prepend('▁'), or a
 * Sequence of those. Anything else is not what this tokenizer implements. */
static int check_normalizer(const gw_json *nz, int *prepend, const char *name, gw_err *err) {
    if (!nz || gw_json_is_null(nz)) return GW_OK;
    const char *type = jstr(nz, "type");
    if (!type) return gw_set_err(err, GW_E_FORMAT, "%s: normalizer has no type", name);
    if (!strcmp(type, "Sequence")) {
        const gw_json *list = jget(nz, "normalizers");
        if (gw_json_kind_of(list) != GW_JSON_ARRAY) return gw_set_err(err, GW_E_FORMAT, "%s: bad normalizer sequence", name);
        for (size_t i = 0; i < gw_json_len(list); i++) {
            int rc = check_normalizer(gw_json_at(list, i), prepend, name, err);
            if (rc) return rc;
        }
        return GW_OK;
    }
    if (!strcmp(type, "Replace")) {
        const char *pat = jstr(jget(nz, "pattern"), "String"), *content = jstr(nz, "content");
        if (pat && content && !strcmp(pat, " ") && !strcmp(content, "\xe2\x96\x81")) return GW_OK;
    } else if (!strcmp(type, "Prepend")) {
        const char *p = jstr(nz, "prepend");
        if (p && !strcmp(p, "\xe2\x96\x81")) { *prepend = 1; return GW_OK; }
    }
    return gw_set_err(err, GW_E_UNSUPPORTED, "%s: normalizer '%s' is not supported (only Gemma's ' ' -> '\xe2\x96\x81')",
                      name, type);
}

int gw_tokenizer_from_json(const char *buf, size_t len, const char *name, gw_tokenizer **out, gw_err *err) {
    *out = NULL;
    if (!name) name = "tokenizer.json";
    gw_json_doc *doc = NULL;
    int rc = gw_json_parse(buf, len, name, &doc, err);
    if (rc) return rc;
    const gw_json *root = gw_json_root(doc), *model = jget(root, "model");
    const gw_json *vocab = jget(model, "vocab"), *merges = jget(model, "merges");
    const gw_json *added = jget(root, "added_tokens");
    const char **strs = NULL;
    size_t *lens = NULL;
    int32_t *types = NULL;
    gw_tokenizer *t = NULL;
    gw_tokenizer_spec sp = {0};
    const char *mtype = jstr(model, "type");
    if (!model || !mtype || strcmp(mtype, "BPE")) {
        rc = gw_set_err(err, GW_E_UNSUPPORTED, "%s: model type '%s' is not supported (need BPE)", name,
                        mtype ? mtype : "(none)");
        goto done;
    }
    if (gw_json_kind_of(vocab) != GW_JSON_OBJECT) { rc = gw_set_err(err, GW_E_FORMAT, "%s: model.vocab is not an object", name); goto done; }
    if (merges && gw_json_kind_of(merges) != GW_JSON_ARRAY) { rc = gw_set_err(err, GW_E_FORMAT, "%s: model.merges is not an array", name); goto done; }
    if (added && gw_json_kind_of(added) != GW_JSON_ARRAY) { rc = gw_set_err(err, GW_E_FORMAT, "%s: added_tokens is not an array", name); goto done; }
    rc = check_normalizer(jget(root, "normalizer"), &sp.add_prefix_space, name, err);
    if (rc) goto done;
    const gw_json *pt = jget(root, "pre_tokenizer");
    if (pt && !gw_json_is_null(pt)) {
        const char *ty = jstr(pt, "type"), *pat = jstr(jget(pt, "pattern"), "String");
        /* Gemma 3: Split on " " after the normalizer removed every space: a no-op */
        if (!ty || strcmp(ty, "Split") || !pat || strcmp(pat, " ")) {
            rc = gw_set_err(err, GW_E_UNSUPPORTED, "%s: pre_tokenizer '%s' is not supported", name, ty ? ty : "?");
            goto done;
        }
    }
    /* ids: vocabulary and added tokens */
    int n = 0;
    size_t nv = gw_json_len(vocab), na = added ? gw_json_len(added) : 0;
    for (size_t i = 0; i < nv; i++) {
        double d = gw_json_num(gw_json_val_at(vocab, i));
        if (gw_json_kind_of(gw_json_val_at(vocab, i)) != GW_JSON_NUMBER || d < 0 || d >= (1 << 24) || d != (int)d) {
            rc = gw_set_err(err, GW_E_FORMAT, "%s: vocab entry %zu has a bad id", name, i);
            goto done;
        }
        if ((int)d + 1 > n) n = (int)d + 1;
    }
    for (size_t i = 0; i < na; i++) {
        const gw_json *a = gw_json_at(added, i), *idv = jget(a, "id");
        double d = gw_json_num(idv);
        if (gw_json_kind_of(idv) != GW_JSON_NUMBER || d < 0 || d >= (1 << 24) || d != (int)d || !jstr(a, "content")) {
            rc = gw_set_err(err, GW_E_FORMAT, "%s: added_tokens[%zu] needs an integer id and a content string", name, i);
            goto done;
        }
        if ((int)d + 1 > n) n = (int)d + 1;
    }
    if (!n) { rc = gw_set_err(err, GW_E_FORMAT, "%s: empty vocabulary", name); goto done; }
    if ((size_t)n > 2 * (nv + na) + 1024) {
        rc = gw_set_err(err, GW_E_FORMAT, "%s: token ids go up to %d for %zu tokens: too sparse", name, n - 1, nv + na);
        goto done;
    }
    strs = calloc(n, sizeof *strs);
    lens = calloc(n, sizeof *lens);
    types = calloc(n, sizeof *types);
    if (!strs || !lens || !types) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < nv; i++) {
        int id = (int)gw_json_num(gw_json_val_at(vocab, i));
        strs[id] = gw_json_key_at(vocab, i);
        lens[id] = strlen(strs[id]);
        types[id] = GW_TOK_NORMAL;
        size_t l = lens[id];
        if (l == 6 && !memcmp(strs[id], "<0x", 3) && strs[id][5] == '>') types[id] = GW_TOK_BYTE;
    }
    for (size_t i = 0; i < na; i++) {
        const gw_json *a = gw_json_at(added, i);
        int id = (int)gw_json_num(jget(a, "id"));
        size_t l;
        strs[id] = gw_json_str(jget(a, "content"), &l);
        lens[id] = l;
        types[id] = gw_json_bool(jget(a, "special")) ? GW_TOK_CONTROL : GW_TOK_USER_DEFINED;
        if (gw_json_bool(jget(a, "normalized")) || gw_json_bool(jget(a, "lstrip")) ||
            gw_json_bool(jget(a, "rstrip")) || gw_json_bool(jget(a, "single_word"))) {
            rc = gw_set_err(err, GW_E_UNSUPPORTED,
                            "%s: added token %d uses normalized/lstrip/rstrip/single_word, not supported", name, id);
            goto done;
        }
    }
    sp.name = name;
    sp.n_tokens = n;
    sp.tokens = strs;
    sp.token_lens = lens;
    sp.types = types;
    sp.byte_fallback = gw_json_bool(jget(model, "byte_fallback"));
    sp.bos_id = sp.eos_id = sp.eot_id = sp.pad_id = -1;
    const char *unk = jstr(model, "unk_token");
    sp.unk_id = -1;
    if (unk) {
        for (int i = 0; i < n && sp.unk_id < 0; i++)
            if (strs[i] && !strcmp(strs[i], unk)) sp.unk_id = i;
    }
    /* BOS: the special token the post-processor puts first */
    const gw_json *single = jget(jget(root, "post_processor"), "single");
    if (gw_json_kind_of(single) == GW_JSON_ARRAY && gw_json_len(single) > 0) {
        const char *first = jstr(jget(gw_json_at(single, 0), "SpecialToken"), "id");
        if (first) {
            for (int i = 0; i < n; i++)
                if (strs[i] && !strcmp(strs[i], first)) { sp.bos_id = i; sp.add_bos = 1; break; }
        }
    }
    rc = tok_new_vocab(&sp, &t, err);
    if (rc) goto done;
    if (sp.unk_id >= 0) t->type[sp.unk_id] = GW_TOK_UNKNOWN;
    if (merges && gw_json_len(merges)) {
        size_t nm = gw_json_len(merges);
        rc = tok_alloc_merges(t, nm, err);
        for (size_t i = 0; i < nm && !rc; i++) {
            const gw_json *mg = gw_json_at(merges, i);
            int l = -1, r = -1;
            if (gw_json_kind_of(mg) == GW_JSON_ARRAY && gw_json_len(mg) == 2) {
                size_t ll, rl;
                const char *ls = gw_json_str(gw_json_at(mg, 0), &ll), *rs = gw_json_str(gw_json_at(mg, 1), &rl);
                if (ls && rs) { l = gw_tokenizer_find(t, ls, ll); r = gw_tokenizer_find(t, rs, rl); }
            } else if (gw_json_kind_of(mg) == GW_JSON_STRING) {
                size_t ml;
                const char *s = gw_json_str(mg, &ml);
                for (size_t k = 1; k < ml; k++)
                    if (s[k] == ' ') { l = gw_tokenizer_find(t, s, k); r = gw_tokenizer_find(t, s + k + 1, ml - k - 1); break; }
            }
            if (l < 0 || r < 0) {
                rc = gw_set_err(err, GW_E_FORMAT, "%s: merges[%zu] is not a pair of vocabulary tokens", name, i);
                break;
            }
            rc = tok_add_merge(t, l, r, (int)i, name, err);
        }
    }
    if (!rc) rc = tok_finish(t, err);
done:
    free(strs); free(lens); free(types);
    gw_json_doc_free(doc);
    if (rc) { gw_tokenizer_free(t); return rc; }
    *out = t;
    return GW_OK;
}
