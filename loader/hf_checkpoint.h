/* hf_checkpoint.h — a Hugging Face checkpoint directory: config.json and the
 * safetensors weights (model.safetensors, or shards listed in
 * model.safetensors.index.json), as one list of named tensors whose data is
 * read on demand. Hostile input: every file is checked (safetensors.h), and
 * errors name the file and the problem. Native I/O (stdio). */
#ifndef GW_HF_CHECKPOINT_H
#define GW_HF_CHECKPOINT_H

#include "json.h"
#include "safetensors.h"

typedef struct gw_hf_tensor {
    const char *name;
    int dtype;                  /* gw_st_dtype */
    int ndim;
    int64_t shape[GW_MAX_DIMS]; /* PyTorch order */
    uint64_t offset, nbytes;    /* in its file */
    int file;                   /* index into the checkpoint's files */
} gw_hf_tensor;

typedef struct gw_hf gw_hf;

int gw_hf_open(const char *dir, gw_hf **out, gw_err *err);
void gw_hf_close(gw_hf *h);

const char *gw_hf_dir(const gw_hf *h);
const char *gw_hf_file_path(const gw_hf *h, int file);
/* config.json's root object, and the text model's config (root.text_config
 * for multimodal checkpoints such as gemma3, else the root). */
const gw_json *gw_hf_config(const gw_hf *h);
const gw_json *gw_hf_text_config(const gw_hf *h);
/* model_type of the text config ("" when absent); the root's model_type. */
const char *gw_hf_model_type(const gw_hf *h);
const char *gw_hf_root_model_type(const gw_hf *h);

/* Config values from the text config. Absent or null: GW_E_NOT_FOUND (err
 * untouched). Wrong type: GW_E_FORMAT naming config.json and the key. */
int gw_hf_cfg_num(const gw_hf *h, const char *key, double *out, gw_err *err);
int gw_hf_cfg_int(const gw_hf *h, const char *key, int64_t *out, gw_err *err);
int gw_hf_cfg_bool(const gw_hf *h, const char *key, int *out, gw_err *err);
/* A required positive integer. */
int gw_hf_cfg_req_int(const gw_hf *h, const char *key, int64_t *out, gw_err *err);

int gw_hf_n_tensors(const gw_hf *h);
const gw_hf_tensor *gw_hf_tensor_at(const gw_hf *h, int i); /* sorted by name */
const gw_hf_tensor *gw_hf_find(const gw_hf *h, const char *name);
/* The tensor's raw bytes (t->nbytes), or converted to f32 (F32/F16/BF16). */
int gw_hf_read(const gw_hf *h, const gw_hf_tensor *t, void *dst, gw_err *err);
int gw_hf_read_f32(const gw_hf *h, const gw_hf_tensor *t, float *dst, gw_err *err);

#endif
