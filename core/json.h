/* json.h — a strict JSON (RFC 8259) DOM parser over a buffer, for
 * config.json, safetensors headers and tokenizer.json (tens of MB: must be
 * fast). All nodes live in one arena owned by gw_json_doc. Hostile input:
 * depth-limited, bounds-checked, errors give the source name, line and column.
 */
#ifndef GW_JSON_H
#define GW_JSON_H

#include "common.h"

typedef enum { GW_JSON_NULL, GW_JSON_BOOL, GW_JSON_NUMBER, GW_JSON_STRING,
               GW_JSON_ARRAY, GW_JSON_OBJECT } gw_json_kind;

typedef struct gw_json gw_json; /* a node */
typedef struct gw_json_doc gw_json_doc;

/* Parse len bytes (need not be NUL-terminated). name is used in errors. */
int gw_json_parse(const char *buf, size_t len, const char *name, gw_json_doc **out, gw_err *err);
void gw_json_doc_free(gw_json_doc *d);
const gw_json *gw_json_root(const gw_json_doc *d);

gw_json_kind gw_json_kind_of(const gw_json *v);
/* Strings are unescaped UTF-8, NUL-terminated; *len (may be NULL) excludes
 * the NUL (strings may contain \u0000). NULL if v is not a string. */
const char *gw_json_str(const gw_json *v, size_t *len);
double gw_json_num(const gw_json *v);   /* 0 if not a number */
int gw_json_bool(const gw_json *v);     /* 0 if not a bool */
int gw_json_is_null(const gw_json *v);  /* 1 for null or v == NULL */
/* Arrays and objects: number of elements / members. */
size_t gw_json_len(const gw_json *v);
const gw_json *gw_json_at(const gw_json *v, size_t i);          /* array element */
const char *gw_json_key_at(const gw_json *v, size_t i);         /* object member name */
const gw_json *gw_json_val_at(const gw_json *v, size_t i);      /* object member value */
const gw_json *gw_json_get(const gw_json *obj, const char *key); /* NULL if absent */

#endif
