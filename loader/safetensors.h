/* safetensors.h — parsing the header of a safetensors file (8-byte
 * little-endian header length, a JSON object of tensor name -> {dtype, shape,
 * data_offsets}, then the data). The input is hostile: the header length,
 * every shape, dtype and offset is checked against the file size, and errors
 * name the file and the tensor. No I/O here (hf_checkpoint.c reads files).
 */
#ifndef GW_SAFETENSORS_H
#define GW_SAFETENSORS_H

#include "common.h"

#define GW_ST_MAX_HEADER ((uint64_t)100 << 20) /* the format's own limit */

/* dtypes we know; only F32, F16 and BF16 convert (see gw_st_dtype_type). */
typedef enum gw_st_dtype {
    GW_ST_F32, GW_ST_F16, GW_ST_BF16, GW_ST_F64, GW_ST_I64, GW_ST_I32, GW_ST_I16,
    GW_ST_I8, GW_ST_U8, GW_ST_BOOL, GW_ST_F8_E4M3, GW_ST_F8_E5M2, GW_ST_U16, GW_ST_U32,
    GW_ST_U64, GW_ST_DTYPE_COUNT
} gw_st_dtype;

typedef struct gw_st_tensor {
    const char *name;
    int dtype;                    /* gw_st_dtype */
    int ndim;                     /* 0 (scalar) .. GW_MAX_DIMS */
    int64_t shape[GW_MAX_DIMS];   /* PyTorch order: shape[ndim-1] is contiguous */
    uint64_t offset;              /* file offset of the data */
    uint64_t nbytes;
} gw_st_tensor;

typedef struct gw_safetensors gw_safetensors;

/* Parse a header. buf holds the file's first len bytes; file_size is the
 * whole file's size (offsets are checked against it). Returns GW_E_NEED_MORE
 * with *need (> len) when the header is longer than len. name is used in
 * every error message. */
int gw_safetensors_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *name,
                         gw_safetensors **out, size_t *need, gw_err *err);
void gw_safetensors_free(gw_safetensors *st);

int gw_safetensors_n_tensors(const gw_safetensors *st);
const gw_st_tensor *gw_safetensors_tensor(const gw_safetensors *st, int i);
const gw_st_tensor *gw_safetensors_find(const gw_safetensors *st, const char *name);
const char *gw_safetensors_name(const gw_safetensors *st);

const char *gw_st_dtype_name(int dtype);
int gw_st_dtype_size(int dtype);
/* The gw_type of a float dtype we convert (F32/F16/BF16), else -1. */
int gw_st_dtype_type(int dtype);
/* Converts n elements of a F32/F16/BF16 buffer to f32. */
int gw_st_to_f32(int dtype, const void *src, float *dst, int64_t n);

#endif
