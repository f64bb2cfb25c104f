/* chat_template.h — Gemma's chat format:
 *   <bos><start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n
 *   <start_of_turn>model\n{reply}<end_of_turn>\n ... <start_of_turn>model\n
 * A system message is folded into the first user turn (as the official
 * Gemma 3 template does); "assistant" is written as "model"; contents are
 * trimmed as the template's `| trim` does. The text keeps the special tokens
 * as text ("<bos>", "<start_of_turn>"): encode it with add_bos = 0 and the
 * tokenizer turns them into their ids. */
#ifndef GW_CHAT_TEMPLATE_H
#define GW_CHAT_TEMPLATE_H

#include "common.h"

typedef struct gw_chat_msg {
    const char *role;    /* "system", "user", "assistant" (or "model") */
    const char *content;
} gw_chat_msg;

typedef enum { GW_CHAT_GEMMA = 1 } gw_chat_kind;

/* Which format a GGUF's tokenizer.chat_template (Jinja source, may be NULL)
 * asks for: Gemma's when it mentions <start_of_turn> or when there is none.
 * Returns GW_E_UNSUPPORTED (and sets *kind to Gemma) for another template. */
int gw_chat_detect(const char *jinja, gw_chat_kind *kind, gw_err *err);

/* Formats msgs; with add_bos the text starts with "<bos>"; with
 * add_generation_prompt it ends with "<start_of_turn>model\n". *out is
 * malloc'd, NUL-terminated. Roles other than system/user/assistant/model,
 * or a system message that is not first, are GW_E_INVALID. */
int gw_chat_format(gw_chat_kind kind, const gw_chat_msg *msgs, int n, int add_bos,
                   int add_generation_prompt, char **out, gw_err *err);

#endif
