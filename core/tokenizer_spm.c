/* tokenizer_spm.c — reading a SentencePiece tokenizer.model (protobuf
 * ModelProto) into a gw_tokenizer: pieces (string, score, type), the
 * trainer's model type (BPE only), byte_fallback and special ids, the
 * normalizer's add_dummy_prefix. Merges are derived from the scores.
 * Hostile input: every length and field is bounds-checked. */
#include <stdlib.h>

#include "tokenizer_internal.h"

typedef struct { const uint8_t *p, *end; } pb;

static int pb_varint(pb *b, uint64_t *v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end) return 0;
        uint8_t c = *b->p++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) { *v = r; return 1; }
    }
    return 0;
}

/* Next field: number, wire type, and for LEN fields the sub-buffer; for
 * varint/fixed fields *v. Returns 0 at the end, -1 on malformed input. */
static int pb_next(pb *b, int *field, int *wt, uint64_t *v, pb *sub) {
    if (b->p >= b->end) return 0;
    uint64_t key;
    if (!pb_varint(b, &key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff) return -1;
    *field = (int)(key >> 3);
    *wt = (int)(key & 7);
    switch (*wt) {
    case 0: return pb_varint(b, v) ? 1 : -1;
    case 1: if (b->end - b->p < 8) return -1; memcpy(v, b->p, 8); b->p += 8; return 1;
    case 5: { uint32_t x; if (b->end - b->p < 4) return -1; memcpy(&x, b->p, 4); *v = x; b->p += 4; return 1; }
    case 2: {
        uint64_t n;
        if (!pb_varint(b, &n) || n > (uint64_t)(b->end - b->p)) return -1;
        sub->p = b->p; sub->end = b->p + n; b->p += n;
        return 1;
    }
    default: return -1; /* groups are not used by ModelProto */
    }
}

int gw_tokenizer_from_spm(const uint8_t *buf, size_t len, const char *name, gw_tokenizer **out, gw_err *err) {
    *out = NULL;
    if (!name) name = "tokenizer.model";
    pb b = {buf, buf + len}, sub;
    int field, wt, r;
    uint64_t v;
    size_t n = 0, cap = 0;
    const char **toks = NULL;
    size_t *lens = NULL;
    float *scores = NULL;
    int32_t *types = NULL;
    int rc = GW_OK, model_type = 1, byte_fallback = 0, add_prefix = 1;
    int bos = -1, eos = -1, unk = -1, pad = -1;
    while (!rc && (r = pb_next(&b, &field, &wt, &v, &sub)) == 1) {
        if (field == 1 && wt == 2) { /* SentencePiece */
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                if (cap > (1u << 24)) { rc = gw_set_err(err, GW_E_FORMAT, "%s: too many pieces", name); break; }
                const char **t2 = realloc(toks, cap * sizeof *t2);
                if (t2) toks = t2;
                size_t *l2 = realloc(lens, cap * sizeof *l2);
                if (l2) lens = l2;
                float *s2 = realloc(scores, cap * sizeof *s2);
                if (s2) scores = s2;
                int32_t *y2 = realloc(types, cap * sizeof *y2);
                if (y2) types = y2;
                if (!t2 || !l2 || !s2 || !y2) { rc = gw_set_err(err, GW_E_NOMEM, "out of memory"); break; }
            }
            toks[n] = NULL; lens[n] = 0; scores[n] = 0; types[n] = GW_TOK_NORMAL;
            pb q = sub, s;
            int f2, w2, r2;
            uint64_t v2;
            while ((r2 = pb_next(&q, &f2, &w2, &v2, &s)) == 1) {
                if (f2 == 1 && w2 == 2) { toks[n] = (const char *)s.p; lens[n] = (size_t)(s.end - s.p); }
                else if (f2 == 2 && w2 == 5) { uint32_t u = (uint32_t)v2; memcpy(&scores[n], &u, 4); }
                else if (f2 == 3 && w2 == 0) types[n] = v2 >= 1 && v2 <= 6 ? (int32_t)v2 : GW_TOK_NORMAL;
            }
            if (r2 < 0 || !toks[n]) { rc = gw_set_err(err, GW_E_FORMAT, "%s: piece %zu is malformed", name, n); break; }
            n++;
        } else if (field == 2 && wt == 2) { /* TrainerSpec */
            pb q = sub, s;
            int f2, w2, r2;
            uint64_t v2;
            while ((r2 = pb_next(&q, &f2, &w2, &v2, &s)) == 1) {
                if (w2 != 0) continue;
                if (f2 == 3) model_type = (int)v2;
                else if (f2 == 35) byte_fallback = v2 != 0;
                else if (f2 == 40) unk = (int)(int32_t)v2;
                else if (f2 == 41) bos = (int)(int32_t)v2;
                else if (f2 == 42) eos = (int)(int32_t)v2;
                else if (f2 == 43) pad = (int)(int32_t)v2;
            }
            if (r2 < 0) rc = gw_set_err(err, GW_E_FORMAT, "%s: malformed trainer_spec", name);
        } else if (field == 3 && wt == 2) { /* NormalizerSpec */
            pb q = sub, s;
            int f2, w2, r2;
            uint64_t v2;
            while ((r2 = pb_next(&q, &f2, &w2, &v2, &s)) == 1)
                if (f2 == 3 && w2 == 0) add_prefix = v2 != 0;
            if (r2 < 0) rc = gw_set_err(err, GW_E_FORMAT, "%s: malformed normalizer_spec", name);
        }
    }
    if (!rc && r < 0) rc = gw_set_err(err, GW_E_FORMAT, "%s: not a SentencePiece model (malformed protobuf)", name);
    if (!rc && !n) rc = gw_set_err(err, GW_E_FORMAT, "%s: no pieces", name);
    if (!rc && model_type != 2)
        rc = gw_set_err(err, GW_E_UNSUPPORTED, "%s: SentencePiece model type %d is not supported (need BPE = 2)", name, model_type);
    if (!rc) {
        gw_tokenizer_spec sp = {0};
        sp.name = name;
        sp.n_tokens = (int)n;
        sp.tokens = toks;
        sp.token_lens = lens;
        sp.scores = scores;
        sp.types = types;
        sp.byte_fallback = byte_fallback;
        sp.add_prefix_space = add_prefix;
        sp.add_bos = 1;
        sp.bos_id = bos >= 0 && bos < (int)n ? bos : -1;
        sp.eos_id = eos >= 0 && eos < (int)n ? eos : -1;
        sp.unk_id = unk >= 0 && unk < (int)n ? unk : -1;
        sp.pad_id = pad >= 0 && pad < (int)n ? pad : -1;
        sp.eot_id = -1;
        rc = gw_tokenizer_from_spec(&sp, out, err);
    }
    free(toks); free(lens); free(scores); free(types);
    return rc;
}
