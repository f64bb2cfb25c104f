/* tokenizer.c — the tokenizer's tables (vocabulary hash, merge hash, added
 * token trie), BPE encoding and decoding. See tokenizer.h for the rules;
 * the readers of tokenizer.json and GGUF are in tokenizer_load.c. */
#include <stdlib.h>

#include "tokenizer_internal.h"

/* ---- hashing -------------------------------------------------------------- */

uint64_t tok_hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ull; }
    return h ^ (h >> 29);
}

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdull; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ull; x ^= x >> 33;
    return x;
}

static size_t pow2_at_least(size_t n) {
    size_t p = 16;
    while (p < n) p <<= 1;
    return p;
}

int gw_tokenizer_find(const gw_tokenizer *t, const char *s, size_t n) {
    if (!t || !t->vhash) return -1;
    for (uint32_t i = (uint32_t)tok_hash(s, n) & t->vmask;; i = (i + 1) & t->vmask) {
        int32_t id = t->vhash[i];
        if (id < 0) return -1;
        if (t->len[id] == n && !memcmp(t->arena + t->off[id], s, n)) return id;
    }
}

static int parse_byte_token(const char *s, size_t n) {
    if (n != 6 || s[0] != '<' || s[1] != '0' || s[2] != 'x' || s[5] != '>') return -1;
    int v = 0;
    for (int i = 3; i < 5; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* ---- building ------------------------------------------------------------- */

int tok_new_vocab(const gw_tokenizer_spec *sp, gw_tokenizer **out, gw_err *err) {
    const char *name = sp->name ? sp->name : "tokenizer";
    *out = NULL;
    if (sp->n_tokens <= 0 || sp->n_tokens > (1 << 24))
        return gw_set_err(err, GW_E_FORMAT, "%s: bad vocabulary size %d", name, sp->n_tokens);
    gw_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    *out = t;
    int n = t->n = sp->n_tokens;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        size_t l = sp->tokens[i] ? sp->token_lens[i] : 0;
        if (l > 65535) return gw_set_err(err, GW_E_FORMAT, "%s: token %d is %zu bytes long", name, i, l);
        total += l + 1;
    }
    if (total > 0xffffffffu) return gw_set_err(err, GW_E_FORMAT, "%s: vocabulary too large", name);
    t->arena = malloc(total);
    t->off = malloc(n * sizeof *t->off);
    t->len = malloc(n * sizeof *t->len);
    t->type = malloc(n);
    t->byte_val = malloc(n * sizeof *t->byte_val);
    size_t hcap = pow2_at_least((size_t)n * 2);
    t->vhash = malloc(hcap * sizeof *t->vhash);
    if (sp->scores) t->scores = malloc(n * sizeof *t->scores);
    if (!t->arena || !t->off || !t->len || !t->type || !t->byte_val || !t->vhash ||
        (sp->scores && !t->scores))
        return gw_set_err(err, GW_E_NOMEM, "out of memory for a %d-token vocabulary", n);
    t->vmask = (uint32_t)(hcap - 1);
    memset(t->vhash, 0xff, hcap * sizeof *t->vhash);
    size_t pos = 0;
    for (int i = 0; i < n; i++) {
        size_t l = sp->tokens[i] ? sp->token_lens[i] : 0;
        if (l) memcpy(t->arena + pos, sp->tokens[i], l);
        t->arena[pos + l] = 0;
        t->off[i] = (uint32_t)pos;
        t->len[i] = (uint32_t)l;
        pos += l + 1;
        int bv = parse_byte_token(t->arena + t->off[i], l);
        t->byte_val[i] = (int16_t)bv;
        int ty = sp->types ? sp->types[i] : (bv >= 0 ? GW_TOK_BYTE : GW_TOK_NORMAL);
        if (ty < GW_TOK_NORMAL || ty > GW_TOK_BYTE) ty = GW_TOK_NORMAL;
        if (!sp->tokens[i]) ty = GW_TOK_UNUSED; /* a hole in the id space */
        t->type[i] = (uint8_t)ty;
        if (t->scores) t->scores[i] = sp->scores[i];
        if (!sp->tokens[i]) continue;
        /* insert; the first id of a duplicated string wins */
        uint32_t h = (uint32_t)tok_hash(t->arena + t->off[i], l) & t->vmask;
        for (;; h = (h + 1) & t->vmask) {
            int32_t o = t->vhash[h];
            if (o < 0) { t->vhash[h] = i; break; }
            if (t->len[o] == l && !memcmp(t->arena + t->off[o], t->arena + t->off[i], l)) break;
        }
    }
    for (int b = 0; b < 256; b++) {
        char s[8];
        static const char hx[] = "0123456789ABCDEF";
        s[0] = '<'; s[1] = '0'; s[2] = 'x'; s[3] = hx[b >> 4]; s[4] = hx[b & 15]; s[5] = '>';
        t->byte_tok[b] = gw_tokenizer_find(t, s, 6);
    }
    for (int c = 0; c < 128; c++) {
        char ch = (char)c;
        t->ascii_tok[c] = c == ' ' ? -1 : gw_tokenizer_find(t, &ch, 1);
    }
    t->space_tok = gw_tokenizer_find(t, "\xe2\x96\x81", 3);
    t->ascii_tok[' '] = t->space_tok;
    t->byte_fallback = sp->byte_fallback;
    t->add_prefix_space = sp->add_prefix_space;
    t->add_bos = sp->add_bos;
#define PICK(field, v, str) t->field = (v) >= 0 && (v) < n ? (v) : gw_tokenizer_find(t, str, strlen(str))
    PICK(bos, sp->bos_id, "<bos>");
    PICK(eos, sp->eos_id, "<eos>");
    PICK(eot, sp->eot_id, "<end_of_turn>");
    PICK(unk, sp->unk_id, "<unk>");
    PICK(pad, sp->pad_id, "<pad>");
#undef PICK
    if (sp->chat_template) {
        size_t l = strlen(sp->chat_template);
        t->chat_template = malloc(l + 1);
        if (!t->chat_template) return gw_set_err(err, GW_E_NOMEM, "out of memory");
        memcpy(t->chat_template, sp->chat_template, l + 1);
    }
    return GW_OK;
}

int tok_alloc_merges(gw_tokenizer *t, size_t n_merges, gw_err *err) {
    free(t->mhash);
    size_t cap = pow2_at_least(n_merges * 2 + 1);
    t->mhash = calloc(cap, sizeof *t->mhash);
    if (!t->mhash) return gw_set_err(err, GW_E_NOMEM, "out of memory for %zu merges", n_merges);
    t->mmask = cap - 1;
    t->n_merges = 0;
    return GW_OK;
}

static inline const gw_merge_ent *merge_find(const gw_tokenizer *t, int32_t l, int32_t r) {
    if (!t->mhash) return NULL;
    uint64_t key = ((uint64_t)(uint32_t)l << 32 | (uint32_t)r) + 1;
    for (uint64_t i = mix64(key) & t->mmask;; i = (i + 1) & t->mmask) {
        const gw_merge_ent *e = &t->mhash[i];
        if (e->key == key) return e;
        if (!e->key) return NULL;
    }
}

int tok_add_merge(gw_tokenizer *t, int l, int r, int rank, const char *name, gw_err *err) {
    if (l < 0 || r < 0 || l >= t->n || r >= t->n)
        return gw_set_err(err, GW_E_FORMAT, "%s: merge %d has a token not in the vocabulary", name, rank);
    size_t ll = t->len[l], rl = t->len[r];
    char stackbuf[256];
    char *buf = ll + rl <= sizeof stackbuf ? stackbuf : malloc(ll + rl);
    if (!buf) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    memcpy(buf, t->arena + t->off[l], ll);
    memcpy(buf + ll, t->arena + t->off[r], rl);
    int id = gw_tokenizer_find(t, buf, ll + rl);
    if (buf != stackbuf) free(buf);
    if (id < 0)
        return gw_set_err(err, GW_E_FORMAT, "%s: merge %d ('%s' + '%s') makes a token not in the vocabulary",
                          name, rank, t->arena + t->off[l], t->arena + t->off[r]);
    if ((size_t)t->n_merges * 2 + 2 > t->mmask + 1)
        return gw_set_err(err, GW_E_INVALID, "%s: more merges than allocated", name);
    uint64_t key = ((uint64_t)(uint32_t)l << 32 | (uint32_t)r) + 1;
    for (uint64_t i = mix64(key) & t->mmask;; i = (i + 1) & t->mmask) {
        gw_merge_ent *e = &t->mhash[i];
        if (e->key == key) return GW_OK; /* repeated pair: the first rank stays */
        if (!e->key) { e->key = key; e->rank = rank; e->id = id; t->n_merges++; return GW_OK; }
    }
}

/* HF's SentencePieceExtractor: every split of every piece into two pieces
 * of the vocabulary is a merge; merges are ordered by the merged piece's
 * score (descending, stable), within a piece by (left id, right id). */
typedef struct { int32_t l, r; float score; int32_t seq; } cand_merge;

static int cmp_cand(const void *a, const void *b) {
    const cand_merge *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}
static int cmp_local(const void *a, const void *b) {
    const cand_merge *x = a, *y = b;
    if (x->l != y->l) return x->l < y->l ? -1 : 1;
    return (x->r > y->r) - (x->r < y->r);
}

int tok_derive_merges(gw_tokenizer *t, gw_err *err) {
    size_t cap = 1 << 16, n = 0;
    cand_merge *c = malloc(cap * sizeof *c);
    if (!c) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    for (int id = 0; id < t->n; id++) {
        if (t->type[id] == GW_TOK_BYTE || t->type[id] == GW_TOK_UNUSED) continue;
        const char *s = t->arena + t->off[id];
        size_t len = t->len[id], first = n;
        for (size_t k = 1; k < len; k++) {
            if (((unsigned char)s[k] & 0xc0) == 0x80) continue; /* split at characters */
            int l = gw_tokenizer_find(t, s, k), r = gw_tokenizer_find(t, s + k, len - k);
            if (l < 0 || r < 0) continue;
            if (n == cap) {
                cand_merge *g = realloc(c, (cap *= 2) * sizeof *c);
                if (!g) { free(c); return gw_set_err(err, GW_E_NOMEM, "out of memory"); }
                c = g;
            }
            c[n].l = l; c[n].r = r; c[n].score = t->scores ? t->scores[id] : -(float)id;
            n++;
        }
        qsort(c + first, n - first, sizeof *c, cmp_local);
    }
    for (size_t i = 0; i < n; i++) c[i].seq = (int32_t)i;
    qsort(c, n, sizeof *c, cmp_cand);
    int rc = tok_alloc_merges(t, n, err);
    for (size_t i = 0; i < n && !rc; i++) rc = tok_add_merge(t, c[i].l, c[i].r, (int)i, "tokenizer", err);
    free(c);
    return rc;
}

static int trie_edge(gw_tokenizer *t, int node, unsigned char b, int create) {
    if (node == 0) {
        if (t->trie_root[b] >= 0 || !create) return t->trie_root[b];
    }
    uint64_t key = ((uint64_t)node << 8 | b) + 1;
    uint32_t i = (uint32_t)mix64(key) & t->trie_mask;
    for (;; i = (i + 1) & t->trie_mask) {
        if (t->trie_key[i] == key) return t->trie_child[i];
        if (!t->trie_key[i]) break;
    }
    if (!create) return -1;
    int child = t->trie_nodes++;
    t->trie_term[child] = -1;
    t->trie_key[i] = key;
    t->trie_child[i] = child;
    if (node == 0) t->trie_root[b] = child;
    return child;
}

static int starts_with_space(const gw_tokenizer *t, int id) {
    const unsigned char *s = (const unsigned char *)t->arena + t->off[id];
    return t->len[id] >= 3 && s[0] == 0xe2 && s[1] == 0x96 && s[2] == 0x81;
}
static int ends_with_space(const gw_tokenizer *t, int id) {
    const unsigned char *s = (const unsigned char *)t->arena + t->off[id] + t->len[id];
    return t->len[id] >= 3 && s[-3] == 0xe2 && s[-2] == 0x96 && s[-1] == 0x81;
}

/* Which word boundaries some merge could cross (see tokenizer_internal.h). */
static void find_split_rules(gw_tokenizer *t) {
    memset(t->no_split_after, 0, sizeof t->no_split_after);
    t->can_split = t->space_tok >= 0 && !t->add_prefix_space;
    if (!t->mhash) return;
    for (uint64_t i = 0; i <= t->mmask && t->can_split; i++) {
        const gw_merge_ent *e = &t->mhash[i];
        if (!e->key) continue;
        uint64_t k = e->key - 1;
        int l = (int)(k >> 32), r = (int)(uint32_t)k;
        if (!starts_with_space(t, r) || ends_with_space(t, l) || !t->len[l]) continue;
        if (t->byte_val[l] >= 0 || l == t->unk) t->can_split = 0;
        else t->no_split_after[(unsigned char)t->arena[t->off[l] + t->len[l] - 1]] = 1;
    }
}

int tok_finish(gw_tokenizer *t, gw_err *err) {
    find_split_rules(t);
    size_t bytes = 0;
    for (int i = 0; i < t->n; i++) {
        int ty = t->type[i];
        if ((ty == GW_TOK_CONTROL || ty == GW_TOK_USER_DEFINED || ty == GW_TOK_UNKNOWN) && t->len[i])
            bytes += t->len[i];
    }
    size_t cap = pow2_at_least(bytes * 2 + 2);
    t->trie_term = malloc((bytes + 1) * sizeof *t->trie_term);
    t->trie_key = calloc(cap, sizeof *t->trie_key);
    t->trie_child = malloc(cap * sizeof *t->trie_child);
    if (!t->trie_term || !t->trie_key || !t->trie_child) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    t->trie_mask = (uint32_t)(cap - 1);
    t->trie_nodes = 1;
    t->trie_term[0] = -1;
    for (int b = 0; b < 256; b++) t->trie_root[b] = -1;
    for (int i = 0; i < t->n; i++) {
        int ty = t->type[i];
        if (!((ty == GW_TOK_CONTROL || ty == GW_TOK_USER_DEFINED || ty == GW_TOK_UNKNOWN) && t->len[i])) continue;
        const unsigned char *s = (const unsigned char *)t->arena + t->off[i];
        int node = 0;
        for (uint32_t k = 0; k < t->len[i]; k++) node = trie_edge(t, node, s[k], 1);
        if (t->trie_term[node] < 0) t->trie_term[node] = i;
    }
    return GW_OK;
}

void gw_tokenizer_free(gw_tokenizer *t) {
    if (!t) return;
    free(t->arena); free(t->off); free(t->len); free(t->type); free(t->byte_val);
    free(t->scores); free(t->vhash); free(t->mhash);
    free(t->trie_term); free(t->trie_key); free(t->trie_child);
    free(t->chat_template);
    free(t);
}

/* ---- accessors ------------------------------------------------------------- */

int gw_tokenizer_n_tokens(const gw_tokenizer *t) { return t ? t->n : 0; }
int gw_tokenizer_bos(const gw_tokenizer *t) { return t ? t->bos : -1; }
int gw_tokenizer_eos(const gw_tokenizer *t) { return t ? t->eos : -1; }
int gw_tokenizer_eot(const gw_tokenizer *t) { return t ? t->eot : -1; }
int gw_tokenizer_add_bos(const gw_tokenizer *t) { return t ? t->add_bos : 0; }
int gw_tokenizer_type(const gw_tokenizer *t, int id) { return t && id >= 0 && id < t->n ? t->type[id] : 0; }
const char *gw_tokenizer_chat_template(const gw_tokenizer *t) { return t ? t->chat_template : NULL; }
const char *gw_tokenizer_token(const gw_tokenizer *t, int id, size_t *len) {
    if (!t || id < 0 || id >= t->n) return NULL;
    if (len) *len = t->len[id];
    return t->arena + t->off[id];
}

/* ---- encoding ------------------------------------------------------------- */

/* Length of the valid UTF-8 character at s[0..n), or 0 if invalid. */
static int utf8_char_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    int need;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 2;
    else if (c >= 0xe0 && c <= 0xef) { need = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
    else return 0;
    if ((size_t)need > n) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (int k = 2; k < need; k++) if ((s[k] & 0xc0) != 0x80) return 0;
    return need;
}

/* Heap entries: rank << 32 | position, so one integer compare orders them
 * by rank, then leftmost. A popped entry is stale when the pair at its
 * position no longer has that rank (a pair's string only grows, so the same
 * rank means the same pair: HF's check of the merged id is equivalent). */
typedef uint64_t heap_ent;

typedef struct {
    int32_t *ids; size_t n, cap;          /* output */
    int32_t *sym, *prev, *next; size_t sym_cap;
    heap_ent *heap; size_t heap_cap;
    /* per-call cache of words already encoded (nothing outlives the call) */
    struct wc_slot { uint64_t h; uint32_t text, ids; uint16_t len, n_ids; } *wc;
    size_t wc_used, wc_slots;           /* slots: a power of two sized to the text */
    unsigned char *wc_text; size_t wc_text_n, wc_text_cap;
    int32_t *wc_ids; size_t wc_ids_n, wc_ids_cap;
} enc_state;

static int out_push(enc_state *e, int32_t id) {
    if (e->n == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 64;
        int32_t *g = realloc(e->ids, nc * sizeof *g);
        if (!g) return GW_E_NOMEM;
        e->ids = g; e->cap = nc;
    }
    e->ids[e->n++] = id;
    return GW_OK;
}

static void heap_push(heap_ent *h, size_t *n, heap_ent v) {
    size_t i = (*n)++;
    while (i) {
        size_t p = (i - 1) / 2;
        if (v >= h[p]) break;
        h[i] = h[p]; i = p;
    }
    h[i] = v;
}
static void sift_down(heap_ent *h, size_t m, size_t i, heap_ent v) {
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && h[c + 1] < h[c]) c++;
        if (h[c] >= v) break;
        h[i] = h[c]; i = c;
    }
    h[i] = v;
}
static heap_ent heap_pop(heap_ent *h, size_t *n) {
    heap_ent top = h[0], v = h[--*n];
    if (*n) sift_down(h, *n, 0, v);
    return top;
}

static inline void try_pair(const gw_tokenizer *t, enc_state *e, size_t *hn, int32_t pos) {
    int32_t nx = e->next[pos];
    if (nx < 0) return;
    const gw_merge_ent *m = merge_find(t, e->sym[pos], e->sym[nx]);
    if (m) heap_push(e->heap, hn, (uint64_t)(uint32_t)m->rank << 32 | (uint32_t)pos);
}

/* BPE over one span of text (a word, or a whole piece). */
static int bpe_span(const gw_tokenizer *t, enc_state *e, const unsigned char *s, size_t len) {
    if (!len) return GW_OK;
    size_t need = len + 2;
    if (need > e->sym_cap) {
        free(e->sym); free(e->prev); free(e->next); free(e->heap);
        e->sym_cap = need;
        e->heap_cap = 3 * need + 4;
        e->sym = malloc(need * sizeof *e->sym);
        e->prev = malloc(need * sizeof *e->prev);
        e->next = malloc(need * sizeof *e->next);
        e->heap = malloc(e->heap_cap * sizeof *e->heap);
        if (!e->sym || !e->prev || !e->next || !e->heap) { e->sym_cap = 0; return GW_E_NOMEM; }
    }
    int32_t n = 0;
    int last_unk = 0;
    if (t->add_prefix_space && t->space_tok >= 0) e->sym[n++] = t->space_tok;
    for (size_t i = 0; i < len;) {
        int32_t id = -1;
        int cl;
        if (s[i] < 0x80) { cl = 1; id = t->ascii_tok[s[i]]; }
        else {
            cl = utf8_char_len(s + i, len - i);
            if (cl) id = gw_tokenizer_find(t, (const char *)s + i, cl);
            else cl = 1; /* invalid byte: falls back to its byte token */
        }
        if (id >= 0) { e->sym[n++] = id; last_unk = 0; }
        else {
            int ok = t->byte_fallback;
            for (int k = 0; k < cl && ok; k++) ok = t->byte_tok[s[i + k]] >= 0;
            if (ok) { for (int k = 0; k < cl; k++) e->sym[n++] = t->byte_tok[s[i + k]]; last_unk = 0; }
            else if (t->unk >= 0) { if (!last_unk) e->sym[n++] = t->unk; last_unk = 1; } /* fuse_unk */
        }
        i += cl;
    }
    for (int32_t i = 0; i < n; i++) { e->prev[i] = i - 1; e->next[i] = i + 1 < n ? i + 1 : -1; }
    size_t hn = 0;
    if (t->mhash) { /* the initial pairs, heapified bottom-up */
        for (int32_t i = 0; i + 1 < n; i++) {
            const gw_merge_ent *m = merge_find(t, e->sym[i], e->sym[i + 1]);
            if (m) e->heap[hn++] = (uint64_t)(uint32_t)m->rank << 32 | (uint32_t)i;
        }
        for (size_t i = hn / 2; i-- > 0;) sift_down(e->heap, hn, i, e->heap[i]);
    }
    while (hn) {
        heap_ent top = heap_pop(e->heap, &hn);
        int32_t p = (int32_t)(uint32_t)top;
        if (e->sym[p] < 0) continue;           /* merged away */
        int32_t q = e->next[p];
        if (q < 0) continue;
        const gw_merge_ent *m = merge_find(t, e->sym[p], e->sym[q]);
        if (!m || (uint64_t)(uint32_t)m->rank != top >> 32) continue; /* stale */
        e->sym[p] = m->id;
        e->sym[q] = -1;
        int32_t qn = e->next[q];
        e->next[p] = qn;
        if (qn >= 0) e->prev[qn] = p;
        if (e->prev[p] >= 0) try_pair(t, e, &hn, e->prev[p]);
        try_pair(t, e, &hn, p);
    }
    for (int32_t i = 0; i >= 0; i = e->next[i])
        if (out_push(e, e->sym[i])) return GW_E_NOMEM;
    return GW_OK;
}

#define WC_MAX_SLOTS 8192   /* power of two */
#define WC_MAX_LEN 64

static int grow_buf(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need) nc *= 2;
    void *g = realloc(*p, nc * elem);
    if (!g) return 0;
    *p = g;
    *cap = nc;
    return 1;
}

/* One word, through the cache. */
static int encode_word(const gw_tokenizer *t, enc_state *e, const unsigned char *s, size_t len) {
    if (!len) return GW_OK;
    if (len > WC_MAX_LEN) return bpe_span(t, e, s, len);
    if (!e->wc && !(e->wc = calloc(e->wc_slots, sizeof *e->wc))) return bpe_span(t, e, s, len);
    uint64_t h = tok_hash((const char *)s, len) | 1;
    size_t mask = e->wc_slots - 1, i = (size_t)h & mask;
    for (; e->wc[i].h; i = (i + 1) & mask) {
        struct wc_slot *w = &e->wc[i];
        if (w->h == h && w->len == len && !memcmp(e->wc_text + w->text, s, len)) {
            for (uint32_t k = 0; k < w->n_ids; k++)
                if (out_push(e, e->wc_ids[w->ids + k])) return GW_E_NOMEM;
            return GW_OK;
        }
    }
    size_t before = e->n;
    int rc = bpe_span(t, e, s, len);
    size_t n_ids = e->n - before;
    if (rc || !n_ids || e->wc_used >= e->wc_slots / 4 * 3 || n_ids > 0xffff) return rc;
    if (!grow_buf((void **)&e->wc_text, &e->wc_text_cap, e->wc_text_n + len, 1) ||
        !grow_buf((void **)&e->wc_ids, &e->wc_ids_cap, e->wc_ids_n + n_ids, sizeof *e->wc_ids))
        return GW_OK; /* no room to remember it: fine */
    struct wc_slot *w = &e->wc[i];
    w->h = h;
    w->len = (uint16_t)len;
    w->n_ids = (uint16_t)n_ids;
    w->text = (uint32_t)e->wc_text_n;
    w->ids = (uint32_t)e->wc_ids_n;
    memcpy(e->wc_text + e->wc_text_n, s, len);
    memcpy(e->wc_ids + e->wc_ids_n, e->ids + before, n_ids * sizeof *e->ids);
    e->wc_text_n += len;
    e->wc_ids_n += n_ids;
    e->wc_used++;
    return GW_OK;
}

static inline int space_at(const unsigned char *s, size_t i, size_t len) {
    return s[i] == ' ' || (i + 2 < len && s[i] == 0xe2 && s[i + 1] == 0x96 && s[i + 2] == 0x81);
}

/* One piece of text between added tokens: split into words where no merge
 * can cross (before a space that follows another character), then BPE. */
static int encode_piece(const gw_tokenizer *t, enc_state *e, const unsigned char *s, size_t len) {
    if (!t->can_split) return bpe_span(t, e, s, len);
    size_t start = 0;
    for (size_t i = 1; i < len; i++) {
        if (!space_at(s, i, len)) continue;
        unsigned char before = s[i - 1];
        if (space_at(s, i - 1, len) || (i >= 3 && s[i - 3] == 0xe2 && s[i - 2] == 0x96 && before == 0x81))
            continue; /* inside a run of spaces */
        if (t->no_split_after[before]) continue;
        int rc = encode_word(t, e, s + start, i - start);
        if (rc) return rc;
        start = i;
    }
    return encode_word(t, e, s + start, len - start);
}

/* Longest added token starting at s[0..n): its length (id in *id), or 0. */
static size_t match_added(const gw_tokenizer *t, const unsigned char *s, size_t n, int32_t *id) {
    int node = t->trie_root[s[0]];
    size_t best = 0;
    for (size_t k = 1; node >= 0; k++) {
        if (t->trie_term[node] >= 0) { best = k; *id = t->trie_term[node]; }
        if (k >= n) break;
        node = trie_edge((gw_tokenizer *)t, node, s[k], 0);
    }
    return best;
}

int gw_tokenizer_encode(const gw_tokenizer *t, const char *text, size_t len, int add_bos,
                        int32_t **ids, size_t *n_ids, gw_err *err) {
    *ids = NULL;
    *n_ids = 0;
    if (!t || (!text && len)) return gw_set_err(err, GW_E_INVALID, "encode: no tokenizer or text");
    enc_state e = {0};
    e.wc_slots = 64; /* the word cache grows with the text: short texts pay little */
    while (e.wc_slots < WC_MAX_SLOTS && e.wc_slots * 8 < len) e.wc_slots *= 2;
    int rc = GW_OK;
    if (add_bos) {
        if (t->bos < 0) return gw_set_err(err, GW_E_INVALID, "encode: the tokenizer has no BOS token");
        rc = out_push(&e, t->bos);
    }
    const unsigned char *s = (const unsigned char *)text;
    size_t start = 0;
    for (size_t i = 0; i < len && !rc;) {
        int32_t id;
        size_t m = t->trie_root[s[i]] >= 0 ? match_added(t, s + i, len - i, &id) : 0;
        if (!m) { i++; continue; }
        rc = encode_piece(t, &e, s + start, i - start);
        if (!rc) rc = out_push(&e, id);
        i += m;
        start = i;
    }
    if (!rc) rc = encode_piece(t, &e, s + start, len - start);
    free(e.sym); free(e.prev); free(e.next); free(e.heap);
    free(e.wc); free(e.wc_text); free(e.wc_ids);
    if (rc) { free(e.ids); return gw_set_err(err, rc, "encode: out of memory"); }
    if (!e.ids) e.ids = malloc(sizeof *e.ids); /* a valid pointer even for no ids */
    if (!e.ids) return gw_set_err(err, GW_E_NOMEM, "encode: out of memory");
    *ids = e.ids;
    *n_ids = e.n;
    return GW_OK;
}

/* ---- decoding ------------------------------------------------------------- */

typedef struct { char *p; size_t n, cap; } sbuf;

static int sb_put(sbuf *b, const void *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 64;
        while (nc < b->n + n + 1) nc *= 2;
        char *g = realloc(b->p, nc);
        if (!g) return GW_E_NOMEM;
        b->p = g; b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return GW_OK;
}

static const char REPL[3] = {(char)0xef, (char)0xbf, (char)0xbd}; /* U+FFFD */

/* A token's text with '▁' -> ' '. */
static int put_piece(sbuf *b, const gw_tokenizer *t, int id) {
    const char *s = t->arena + t->off[id];
    size_t n = t->len[id], run = 0;
    for (size_t i = 0; i < n;) {
        if (i + 2 < n && (unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x96 &&
            (unsigned char)s[i + 2] == 0x81) {
            if (sb_put(b, s + run, i - run) || sb_put(b, " ", 1)) return GW_E_NOMEM;
            i += 3; run = i;
        } else i++;
    }
    return sb_put(b, s + run, n - run);
}

static int is_valid_utf8(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        int l = utf8_char_len(s + i, n - i);
        if (!l) return 0;
        i += l;
    }
    return 1;
}

static int skip_token(const gw_tokenizer *t, int id, int skip_special) {
    return skip_special && (t->type[id] == GW_TOK_CONTROL || t->type[id] == GW_TOK_UNKNOWN);
}

int gw_tokenizer_decode(const gw_tokenizer *t, const int32_t *ids, size_t n, int skip_special,
                        char **text, size_t *len, gw_err *err) {
    *text = NULL;
    if (len) *len = 0;
    if (!t) return gw_set_err(err, GW_E_INVALID, "decode: no tokenizer");
    sbuf b = {0}, bytes = {0};
    size_t n_bytes_tok = 0;
    int rc = sb_put(&b, "", 0);
    for (size_t i = 0; i <= n && !rc; i++) {
        int id = -1;
        if (i < n) {
            id = ids[i];
            if (id < 0 || id >= t->n) {
                rc = gw_set_err(err, GW_E_RANGE, "decode: token id %d out of range (vocabulary %d)", id, t->n);
                break;
            }
            if (skip_token(t, id, skip_special)) continue;
            if (t->byte_val[id] >= 0) {
                unsigned char c = (unsigned char)t->byte_val[id];
                if (sb_put(&bytes, &c, 1)) rc = GW_E_NOMEM;
                n_bytes_tok++;
                continue;
            }
        }
        if (n_bytes_tok) { /* flush a run of byte tokens */
            if (is_valid_utf8((unsigned char *)bytes.p, bytes.n)) rc = sb_put(&b, bytes.p, bytes.n);
            else for (size_t k = 0; k < n_bytes_tok && !rc; k++) rc = sb_put(&b, REPL, 3);
            bytes.n = 0;
            n_bytes_tok = 0;
        }
        if (id >= 0 && !rc) rc = put_piece(&b, t, id);
    }
    free(bytes.p);
    if (rc) {
        free(b.p);
        return rc == GW_E_NOMEM ? gw_set_err(err, rc, "decode: out of memory") : rc;
    }
    *text = b.p;
    if (len) *len = b.n;
    return GW_OK;
}

/* ---- streaming decoder ---------------------------------------------------- */

/* A run of byte tokens is held until it ends (at the next token that is not a
 * byte token, or at flush), then written as HF writes it: its bytes when they
 * are valid UTF-8, else one U+FFFD per byte token. So the concatenated stream
 * is exactly gw_tokenizer_decode of the same ids, and never half a character. */
struct gw_detok_stream {
    const gw_tokenizer *t;
    int skip_special;
    sbuf run;          /* bytes of the byte tokens held */
    size_t n_run;      /* how many byte tokens */
    sbuf out;
};

int gw_detok_stream_new(const gw_tokenizer *t, int skip_special, gw_detok_stream **out, gw_err *err) {
    *out = NULL;
    if (!t) return gw_set_err(err, GW_E_INVALID, "detok stream: no tokenizer");
    gw_detok_stream *s = calloc(1, sizeof *s);
    if (!s) return gw_set_err(err, GW_E_NOMEM, "out of memory");
    s->t = t;
    s->skip_special = skip_special;
    *out = s;
    return GW_OK;
}

static int run_flush(gw_detok_stream *s) {
    int rc = GW_OK;
    if (!s->n_run) return rc;
    if (is_valid_utf8((const unsigned char *)s->run.p, s->run.n)) rc = sb_put(&s->out, s->run.p, s->run.n);
    else for (size_t k = 0; k < s->n_run && !rc; k++) rc = sb_put(&s->out, REPL, 3);
    s->run.n = 0;
    s->n_run = 0;
    return rc;
}

int gw_detok_stream_push(gw_detok_stream *s, int32_t id, const char **text, size_t *len, gw_err *err) {
    s->out.n = 0;
    int rc = sb_put(&s->out, "", 0);
    const gw_tokenizer *t = s->t;
    if (id < 0 || id >= t->n) {
        *text = s->out.p ? s->out.p : ""; *len = 0;
        return gw_set_err(err, GW_E_RANGE, "detok stream: token id %d out of range (vocabulary %d)", id, t->n);
    }
    if (!rc && !skip_token(t, id, s->skip_special)) {
        if (t->byte_val[id] >= 0) {
            unsigned char c = (unsigned char)t->byte_val[id];
            rc = sb_put(&s->run, &c, 1);
            s->n_run++;
        } else {
            rc = run_flush(s);
            if (!rc) rc = put_piece(&s->out, t, id);
        }
    }
    *text = s->out.p ? s->out.p : "";
    *len = s->out.n;
    return rc ? gw_set_err(err, rc, "detok stream: out of memory") : GW_OK;
}

void gw_detok_stream_flush(gw_detok_stream *s, const char **text, size_t *len) {
    s->out.n = 0;
    if (sb_put(&s->out, "", 0) == GW_OK) run_flush(s);
    *text = s->out.p ? s->out.p : "";
    *len = s->out.n;
}

void gw_detok_stream_reset(gw_detok_stream *s) { s->run.n = 0; s->n_run = 0; s->out.n = 0; }

void gw_detok_stream_free(gw_detok_stream *s) {
    if (!s) return;
    free(s->out.p);
    free(s->run.p);
    free(s);
}
