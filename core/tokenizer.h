/* tokenizer.h — Gemma's tokenizer: SentencePiece-style BPE with byte
 * fallback, byte-exact with Hugging Face `tokenizers` on Gemma's
 * tokenizer.json. Loads from a tokenizer.json buffer or from a GGUF's
 * tokenizer.ggml.* keys (as llama.cpp writes them for Gemma).
 *
 * Encoding (as HF does for Gemma 3):
 *   1. added tokens (control and user-defined: <bos>, <start_of_turn>, "\n",
 *      "\t\t", <unused7>, ...) are found in the raw text, leftmost-longest;
 *   2. every piece of text between them: ' ' -> U+2581 '▁', each character
 *      becomes its token (or its bytes' <0xNN> tokens), then BPE merges are
 *      applied lowest rank first (leftmost on ties). Without merges (a GGUF
 *      that has only scores) the merges are derived from the scores as HF's
 *      SentencePiece converter does.
 * Decoding: '▁' -> ' ', runs of <0xNN> tokens -> their bytes (a run that is
 * not valid UTF-8 gives U+FFFD per byte token, as HF does). The streaming
 * decoder gives the same text, piece by piece, never half a character.
 *
 * A tokenizer is immutable after loading: one may be shared by threads.
 */
#ifndef GW_TOKENIZER_H
#define GW_TOKENIZER_H

#include "common.h"
#include "gguf.h"

typedef struct gw_tokenizer gw_tokenizer;

/* Token types, numbered as llama.cpp's (GGUF tokenizer.ggml.token_type). */
enum {
    GW_TOK_NORMAL = 1, GW_TOK_UNKNOWN = 2, GW_TOK_CONTROL = 3,
    GW_TOK_USER_DEFINED = 4, GW_TOK_UNUSED = 5, GW_TOK_BYTE = 6
};

/* From a Hugging Face tokenizer.json held in buf[0..len). name is used in
 * error messages. Only BPE models of the SentencePiece kind are supported. */
int gw_tokenizer_from_json(const char *buf, size_t len, const char *name,
                           gw_tokenizer **out, gw_err *err);
/* From GGUF metadata. GW_E_NOT_FOUND when it has no tokenizer.ggml.tokens. */
int gw_tokenizer_from_gguf(const gw_gguf *meta, gw_tokenizer **out, gw_err *err);
/* From plain arrays (what both loaders end in): n tokens of given lengths,
 * optional scores (NULL) and types (NULL: all normal except <0xNN> = byte),
 * merges as n_merges pairs of token strings "left right" split at the first
 * space after the first byte (llama.cpp's format), or NULL. */
typedef struct gw_tokenizer_spec {
    int n_tokens;
    const char *const *tokens;
    const size_t *token_lens;
    const float *scores;
    const int32_t *types;
    int n_merges;
    const char *const *merges;
    const size_t *merge_lens;
    int bos_id, eos_id, eot_id, unk_id, pad_id; /* -1 = none / find by name */
    int add_bos;       /* whether encode for a model prompt starts with BOS */
    int byte_fallback; /* 1 for Gemma */
    int add_prefix_space; /* prepend '▁' to the text (Gemma: 0) */
    const char *chat_template; /* or NULL */
    const char *name;  /* for error messages */
} gw_tokenizer_spec;
int gw_tokenizer_from_spec(const gw_tokenizer_spec *spec, gw_tokenizer **out, gw_err *err);
void gw_tokenizer_free(gw_tokenizer *t);

int gw_tokenizer_n_tokens(const gw_tokenizer *t);
int gw_tokenizer_bos(const gw_tokenizer *t);   /* -1 when none */
int gw_tokenizer_eos(const gw_tokenizer *t);
int gw_tokenizer_eot(const gw_tokenizer *t);   /* <end_of_turn>, -1 when none */
int gw_tokenizer_add_bos(const gw_tokenizer *t);
int gw_tokenizer_type(const gw_tokenizer *t, int id); /* 0 when out of range */
const char *gw_tokenizer_chat_template(const gw_tokenizer *t); /* NULL if none */
/* The token's vocabulary string (with '▁', "<0x41>" for byte tokens), or
 * NULL when id is out of range. */
const char *gw_tokenizer_token(const gw_tokenizer *t, int id, size_t *len);
/* Exact lookup of a vocabulary string: id or -1. */
int gw_tokenizer_find(const gw_tokenizer *t, const char *s, size_t len);

/* Encode text[0..len) (UTF-8; an invalid byte is encoded as its <0xNN>
 * token). add_bos: start with the BOS token. *ids is malloc'd (free it),
 * *n_ids its length. */
int gw_tokenizer_encode(const gw_tokenizer *t, const char *text, size_t len, int add_bos,
                        int32_t **ids, size_t *n_ids, gw_err *err);
/* Decode ids to UTF-8 text, exactly as HF decode(ids, skip_special_tokens=
 * skip_special). *text is malloc'd and NUL-terminated (free it). */
int gw_tokenizer_decode(const gw_tokenizer *t, const int32_t *ids, size_t n, int skip_special,
                        char **text, size_t *len, gw_err *err);

/* ---- streaming decoder ---------------------------------------------------
 * Push ids one by one; each push gives the text that became final. The
 * concatenation of everything pushed and flushed is exactly
 * gw_tokenizer_decode of the same ids, and no piece holds half a UTF-8
 * character: a run of <0xNN> byte tokens is held until the next other token
 * (or the flush), since HF turns a whole run that is not valid UTF-8 into
 * U+FFFD per byte token. The returned pointer is valid until the next call. */
typedef struct gw_detok_stream gw_detok_stream;
int gw_detok_stream_new(const gw_tokenizer *t, int skip_special, gw_detok_stream **out, gw_err *err);
int gw_detok_stream_push(gw_detok_stream *s, int32_t id, const char **text, size_t *len, gw_err *err);
/* End of stream: the held run of byte tokens (bytes, or U+FFFD each). */
void gw_detok_stream_flush(gw_detok_stream *s, const char **text, size_t *len);
void gw_detok_stream_reset(gw_detok_stream *s);
void gw_detok_stream_free(gw_detok_stream *s);

/* ---- writing (loader/convert_tokenizer.c) ------------------------------------
 * Writes the tokenizer as llama.cpp's tokenizer.ggml.* keys (model "llama",
 * tokens, scores, token_type, merges, special ids, add_bos_token) and
 * tokenizer.chat_template when it has one. pad_to > n_tokens appends
 * "[PAD<id>]" unused tokens (llama.cpp wants one token per embedding row).
 * Scores: the tokenizer's own, else minus the rank of the first merge that
 * makes the token (-1e9 for tokens no merge makes), so merging by score
 * gives the same tokens as merging by rank. */
struct gw_gguf_writer;
int gw_tokenizer_write_gguf(const gw_tokenizer *t, struct gw_gguf_writer *w, int pad_to, gw_err *err);
/* Reads a SentencePiece tokenizer.model (protobuf) held in buf[0..len). */
int gw_tokenizer_from_spm(const uint8_t *buf, size_t len, const char *name, gw_tokenizer **out, gw_err *err);

/* The model's tokenizer (NULL when its GGUF carried none). */
struct gw_model;
const gw_tokenizer *gw_model_tokenizer(const struct gw_model *m);

#endif
