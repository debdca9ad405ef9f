/* Bounds-checked, in-place reading of flatbuffers (the .tflite format).
 * Nothing is copied; every access checks offsets against the buffer length
 * with 64-bit arithmetic and reads scalars with memcpy (the model may sit at
 * any address). A malformed table never crashes: scalar getters return the
 * default, structural getters return an error status. */
#ifndef BT_MODEL_H
#define BT_MODEL_H
#include <stdint.h>
#include <stddef.h>
#include "bt/status.h"

typedef struct bt_fb {
  const uint8_t *buf;
  uint32_t len;
} bt_fb;

/* A validated table: its object [pos, pos+obj_len) and vtable
 * [vt, vt+vt_len) are inside the buffer. pos == 0 means "absent". */
typedef struct bt_fb_table {
  const bt_fb *fb;
  uint32_t pos;
  uint32_t vt;
  uint16_t vt_len;
  uint16_t obj_len;
} bt_fb_table;

/* A validated vector: len elements of elem_size bytes at fb->buf + data. */
typedef struct bt_fb_vec {
  const bt_fb *fb;
  uint32_t data;   /* offset of element 0 (0 = absent vector) */
  uint32_t len;
  uint32_t elem_size;
} bt_fb_vec;

/* Root table (checks size >= 8; the file identifier is checked by the
 * model loader, not here, so options buffers can be read too). */
bt_status bt_fb_root(const bt_fb *fb, bt_fb_table *out);
/* Validate the table whose object starts at absolute offset pos. */
bt_status bt_fb_table_at(const bt_fb *fb, uint32_t pos, bt_fb_table *out);

/* Absolute offset of field `field` (0-based schema index) if present and
 * `size` bytes of it lie inside the table object; 0 otherwise. */
uint32_t bt_fb_field(const bt_fb_table *t, int field, uint32_t size);
int bt_fb_has(const bt_fb_table *t, int field);

/* Scalars with schema defaults. */
uint8_t bt_fb_u8(const bt_fb_table *t, int field, uint8_t def);
int8_t bt_fb_i8(const bt_fb_table *t, int field, int8_t def);
uint16_t bt_fb_u16(const bt_fb_table *t, int field, uint16_t def);
int16_t bt_fb_i16(const bt_fb_table *t, int field, int16_t def);
uint32_t bt_fb_u32(const bt_fb_table *t, int field, uint32_t def);
int32_t bt_fb_i32(const bt_fb_table *t, int field, int32_t def);
uint64_t bt_fb_u64(const bt_fb_table *t, int field, uint64_t def);
int64_t bt_fb_i64(const bt_fb_table *t, int field, int64_t def);
float bt_fb_f32(const bt_fb_table *t, int field, float def);

/* Sub-table / vector / string fields. Absent field: BT_OK with
 * out->pos == 0 / out->data == 0 / *s == NULL. Out-of-bounds: error. */
bt_status bt_fb_subtable(const bt_fb_table *t, int field, bt_fb_table *out);
bt_status bt_fb_vector(const bt_fb_table *t, int field, uint32_t elem_size, bt_fb_vec *out);
bt_status bt_fb_string(const bt_fb_table *t, int field, const char **s, uint32_t *len);

/* Vector element access (i must be < v->len; out of range returns 0 / error). */
const uint8_t *bt_fb_vec_ptr(const bt_fb_vec *v, uint32_t i);
int32_t bt_fb_vec_i32(const bt_fb_vec *v, uint32_t i);
int64_t bt_fb_vec_i64(const bt_fb_vec *v, uint32_t i);
float bt_fb_vec_f32(const bt_fb_vec *v, uint32_t i);
/* Element i of a vector of tables. */
bt_status bt_fb_vec_table(const bt_fb_vec *v, uint32_t i, bt_fb_table *out);

/* Unaligned little-endian loads for pointers already bounds-checked. */
int32_t bt_ld_i32(const uint8_t *p);
int64_t bt_ld_i64(const uint8_t *p);
float bt_ld_f32(const uint8_t *p);
uint32_t bt_ld_u32(const uint8_t *p);
uint16_t bt_ld_u16(const uint8_t *p);

/* TFLite schema field indices (tflite/schema.fbs order) used by the loader. */
enum {
  BT_MODEL_VERSION = 0, BT_MODEL_OPERATOR_CODES = 1, BT_MODEL_SUBGRAPHS = 2,
  BT_MODEL_DESCRIPTION = 3, BT_MODEL_BUFFERS = 4,
  BT_SUBGRAPH_TENSORS = 0, BT_SUBGRAPH_INPUTS = 1, BT_SUBGRAPH_OUTPUTS = 2,
  BT_SUBGRAPH_OPERATORS = 3,
  BT_TENSOR_SHAPE = 0, BT_TENSOR_TYPE = 1, BT_TENSOR_BUFFER = 2, BT_TENSOR_NAME = 3,
  BT_TENSOR_QUANTIZATION = 4, BT_TENSOR_IS_VARIABLE = 5, BT_TENSOR_SPARSITY = 6,
  BT_QUANT_MIN = 0, BT_QUANT_MAX = 1, BT_QUANT_SCALE = 2, BT_QUANT_ZERO_POINT = 3,
  BT_QUANT_DETAILS_TYPE = 4, BT_QUANT_QUANTIZED_DIMENSION = 6,
  BT_OP_OPCODE_INDEX = 0, BT_OP_INPUTS = 1, BT_OP_OUTPUTS = 2,
  BT_OP_BUILTIN_OPTIONS_TYPE = 3, BT_OP_BUILTIN_OPTIONS = 4, BT_OP_CUSTOM_OPTIONS = 5,
  BT_OP_INTERMEDIATES = 8, BT_OP_BUILTIN_OPTIONS_2_TYPE = 11, BT_OP_BUILTIN_OPTIONS_2 = 12,
  BT_OPCODE_DEPRECATED_BUILTIN = 0, BT_OPCODE_CUSTOM_CODE = 1, BT_OPCODE_VERSION = 2,
  BT_OPCODE_BUILTIN = 3,
  BT_BUFFER_DATA = 0, BT_BUFFER_OFFSET = 1, BT_BUFFER_SIZE = 2
};

/* TFLite BuiltinOperator name ("FULLY_CONNECTED"), "UNKNOWN" if out of table.
 * Not in board images (built with BT_NO_OP_NAMES, see src/op_names.c). */
const char *bt_builtin_name(int32_t code);

#endif
