/* tokenizer_internal.h — the gw_tokenizer structure and the building steps
 * shared by tokenizer.c (tables, encode, decode) and tokenizer_load.c (the
 * tokenizer.json and GGUF readers). Not a public contract. */
#ifndef GW_TOKENIZER_INTERNAL_H
#define GW_TOKENIZER_INTERNAL_H

#include "tokenizer.h"

typedef struct gw_merge_ent {
    uint64_t key;    /* (left << 32 | right) + 1; 0 = empty slot */
    int32_t rank;
    int32_t id;      /* the merged token */
} gw_merge_ent;

struct gw_tokenizer {
    int n;                   /* token ids are 0..n-1 */
    char *arena;             /* all token strings, each NUL-terminated */
    uint32_t *off, *len;     /* per id: string in arena */
    uint8_t *type;           /* per id: GW_TOK_* */
    int16_t *byte_val;       /* per id: the byte of a "<0xNN>" token, else -1 */
    float *scores;           /* per id, or NULL */
    int32_t *vhash;          /* vocabulary hash: id or -1 */
    uint32_t vmask;
    gw_merge_ent *mhash;     /* merges: (left, right) -> (rank, merged) */
    uint64_t mmask;
    int n_merges;
    int32_t byte_tok[256];   /* <0xNN> token of each byte, or -1 */
    int32_t ascii_tok[128];  /* the token of each one-byte character, or -1 */
    int32_t space_tok;       /* the token of '▁', or -1 */
    /* added tokens (control, user-defined, unknown): a byte trie */
    int32_t *trie_term;      /* per node: token id ending here, or -1 */
    uint64_t *trie_key;      /* edge hash: (node << 8 | byte) + 1, 0 = empty */
    int32_t *trie_child;
    uint32_t trie_mask;
    int trie_nodes;
    int32_t trie_root[256];  /* child of the root per first byte, or -1 */
    /* Word splitting (an exact speed-up): BPE may run on each word (a split
     * before every '▁' that follows another character) separately when no
     * merge joins a symbol ending in that character to one starting with
     * '▁'. no_split_after[b]: never split after a character ending in byte
     * b; can_split: 0 when some such merge has a byte/unknown token left. */
    uint8_t no_split_after[256];
    int can_split;
    int bos, eos, eot, unk, pad;
    int add_bos, byte_fallback, add_prefix_space;
    char *chat_template;
};

/* Building: tok_new_vocab, then merges (tok_set_merge / tok_derive_merges),
 * then tok_finish. On error the caller frees with gw_tokenizer_free. */
int tok_new_vocab(const gw_tokenizer_spec *spec, gw_tokenizer **out, gw_err *err);
/* Adds merge (left, right) at rank; the merged string must be in the vocab. */
int tok_add_merge(gw_tokenizer *t, int left, int right, int rank, const char *name, gw_err *err);
int tok_alloc_merges(gw_tokenizer *t, size_t n_merges, gw_err *err);
/* Merges from scores, as HF's SentencePieceExtractor derives them. */
int tok_derive_merges(gw_tokenizer *t, gw_err *err);
int tok_finish(gw_tokenizer *t, gw_err *err);
uint64_t tok_hash(const char *s, size_t n);

#endif
