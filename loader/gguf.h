/* gguf.h — GGUF v3 reading (from memory buffers; no I/O here), split sets,
 * and writing. Every parse treats its input as hostile: bounds-checked, with
 * errors that name the file and what is wrong.
 *
 * Streaming use (the wasm loader feeds bytes as they arrive):
 *   1. gw_gguf_parse(prefix, len, name, &g, &need, err) until it stops
 *      returning GW_E_NEED_MORE (then *need is a byte count worth retrying
 *      with, always > len);
 *   2. gw_gguf_data_offset(g) / gw_gguf_data_size(g) say where the tensor
 *      data lies in the file; the caller allocates data_size bytes
 *      (gw_gguf_alloc_data), copies the file's bytes straight into it, and
 *      the tensors' data pointers point into that block (no second copy).
 */
#ifndef GW_GGUF_H
#define GW_GGUF_H

#include "common.h"

enum gw_gguf_vtype {
    GW_GGUF_UINT8 = 0, GW_GGUF_INT8 = 1, GW_GGUF_UINT16 = 2, GW_GGUF_INT16 = 3,
    GW_GGUF_UINT32 = 4, GW_GGUF_INT32 = 5, GW_GGUF_FLOAT32 = 6, GW_GGUF_BOOL = 7,
    GW_GGUF_STRING = 8, GW_GGUF_ARRAY = 9, GW_GGUF_UINT64 = 10, GW_GGUF_INT64 = 11,
    GW_GGUF_FLOAT64 = 12
};

typedef struct gw_gguf_str { const char *s; uint64_t len; } gw_gguf_str; /* s is NUL-terminated too */

typedef struct gw_gguf gw_gguf;

/* Parse header, metadata and tensor infos from the first len bytes of a
 * file. name is used in error messages (a path or URL). On success *out owns
 * copies of everything it needs; buf may be freed. */
int gw_gguf_parse(const uint8_t *buf, size_t len, const char *name, gw_gguf **out,
                  size_t *need, gw_err *err);
void gw_gguf_free(gw_gguf *g);
const char *gw_gguf_name(const gw_gguf *g);

uint64_t gw_gguf_data_offset(const gw_gguf *g); /* file offset of tensor data */
uint64_t gw_gguf_data_size(const gw_gguf *g);   /* bytes of tensor data used */
/* Allocate (64-byte aligned, owned by g) the data block and point every
 * tensor into it. Returns the block to fill, or NULL (err set). */
uint8_t *gw_gguf_alloc_data(gw_gguf *g, gw_err *err);
/* Or attach a block the caller keeps alive (e.g. a mapped file). */
int gw_gguf_attach_data(gw_gguf *g, const void *data, uint64_t size, gw_err *err);

/* metadata */
int gw_gguf_n_kv(const gw_gguf *g);
const char *gw_gguf_kv_key(const gw_gguf *g, int i);
int gw_gguf_kv_type(const gw_gguf *g, int i);
int gw_gguf_find_key(const gw_gguf *g, const char *key); /* index or -1 */
/* Typed getters: GW_OK, GW_E_NOT_FOUND (absent), GW_E_FORMAT (wrong type or
 * out of range; err names the key). Integer getters accept any integer
 * type whose value fits; get_f32 accepts f32/f64. */
int gw_gguf_get_u32(const gw_gguf *g, const char *key, uint32_t *out, gw_err *err);
int gw_gguf_get_i64(const gw_gguf *g, const char *key, int64_t *out, gw_err *err);
int gw_gguf_get_f32(const gw_gguf *g, const char *key, float *out, gw_err *err);
int gw_gguf_get_bool(const gw_gguf *g, const char *key, int *out, gw_err *err);
int gw_gguf_get_str(const gw_gguf *g, const char *key, gw_gguf_str *out, gw_err *err);
/* Arrays: *data points to n packed little-endian values of elem_type, or for
 * string arrays to n gw_gguf_str. */
int gw_gguf_get_arr(const gw_gguf *g, const char *key, int *elem_type, uint64_t *n,
                    const void **data, gw_err *err);

/* tensors (data is NULL until the data block is set) */
int gw_gguf_n_tensors(const gw_gguf *g);
const gw_tensor *gw_gguf_tensor(const gw_gguf *g, int i);
uint64_t gw_gguf_tensor_offset(const gw_gguf *g, int i); /* within data section */
const gw_tensor *gw_gguf_find_tensor(const gw_gguf *g, const char *name);

/* ---- a model given as one file or llama.cpp-style splits ----------------- */
typedef struct gw_gguf_set gw_gguf_set;
int gw_gguf_set_new(gw_gguf_set **out, gw_err *err);
/* Takes ownership of g in every case. */
int gw_gguf_set_add(gw_gguf_set *s, gw_gguf *g, gw_err *err);
/* Checks split.count / split.no / split.tensors.count agree, nothing is
 * missing or repeated, every tensor name is unique and has data. */
int gw_gguf_set_validate(const gw_gguf_set *s, gw_err *err);
void gw_gguf_set_free(gw_gguf_set *s);
int gw_gguf_set_count(const gw_gguf_set *s);
const gw_gguf *gw_gguf_set_meta(const gw_gguf_set *s); /* split 0: holds the metadata */
const gw_tensor *gw_gguf_set_find_tensor(const gw_gguf_set *s, const char *name);
uint64_t gw_gguf_set_data_bytes(const gw_gguf_set *s);

/* Split file names as llama.cpp writes them: "base-00001-of-00003.gguf".
 * Given any path, fills prefix (without "-NNNNN-of-NNNNN.gguf") and the
 * count, or returns 0 when the name is not a split name. */
int gw_split_parse_name(const char *path, char *prefix, size_t prefix_cap, int *no, int *count);
void gw_split_make_name(char *out, size_t cap, const char *prefix, int no, int count);

/* ---- writing ------------------------------------------------------------ */
typedef struct gw_gguf_writer gw_gguf_writer;
int gw_gguf_writer_new(gw_gguf_writer **out, gw_err *err);
void gw_gguf_writer_free(gw_gguf_writer *w);
/* Values are copied. Setting a key twice replaces it. */
int gw_gguf_writer_set_u32(gw_gguf_writer *w, const char *key, uint32_t v);
int gw_gguf_writer_set_i32(gw_gguf_writer *w, const char *key, int32_t v);
int gw_gguf_writer_set_f32(gw_gguf_writer *w, const char *key, float v);
int gw_gguf_writer_set_bool(gw_gguf_writer *w, const char *key, int v);
int gw_gguf_writer_set_str(gw_gguf_writer *w, const char *key, const char *v);
/* numeric array of elem_type (packed little-endian values) */
int gw_gguf_writer_set_arr(gw_gguf_writer *w, const char *key, int elem_type,
                           const void *data, uint64_t n);
int gw_gguf_writer_set_arr_str(gw_gguf_writer *w, const char *key,
                               const char *const *strs, const uint64_t *lens, uint64_t n);
/* data is copied (the writer owns it until freed). ne in GGUF order. */
int gw_gguf_writer_add_tensor(gw_gguf_writer *w, const char *name, int type, int ndim,
                              const int64_t *ne, const void *data, size_t nbytes);
/* Write path (split_max_bytes == 0: one file). Otherwise splits of at most
 * split_max_bytes of tensor data each (a tensor larger than that gets a split
 * of its own), named with gw_split_make_name from path minus ".gguf"; the
 * metadata goes in split 1, every split carries split.no/count/tensors.count.
 * Files are written to a temporary name and renamed when complete.
 * *n_files receives how many files were written (may be NULL). */
int gw_gguf_writer_write(gw_gguf_writer *w, const char *path, uint64_t split_max_bytes,
                         int *n_files, gw_err *err);

#endif
