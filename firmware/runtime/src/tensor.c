/* Tensor accessors: shapes and quantization stay in the flatbuffer. */
#include "bt/tensor.h"
#include "bt/model.h"

size_t bt_type_size(int type) {
  switch (type) {
    case BT_FLOAT32: case BT_INT32: case BT_UINT32: return 4;
    case BT_FLOAT16: case BT_INT16: case BT_UINT16: case BT_BFLOAT16: return 2;
    case BT_UINT8: case BT_INT8: case BT_BOOL: return 1;
    case BT_INT64: case BT_UINT64: case BT_FLOAT64: case BT_COMPLEX64: return 8;
    case BT_COMPLEX128: return 16;
    default: return 0;
  }
}

const char *bt_type_name(int type) {
  static const char *const n[] = {
    "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16",
    "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE",
    "VARIANT", "UINT32", "UINT16", "INT4", "BFLOAT16"};
  if (type >= 0 && (size_t)type < sizeof n / sizeof n[0]) return n[type];
  return "UNKNOWN";
}

int32_t bt_tensor_dim(const bt_tensor *t, int i) {
  if (!t || i < 0 || i >= t->ndims) return 0;
  return bt_ld_i32(t->dims + 4 * i);
}

int32_t bt_tensor_num_elems(const bt_tensor *t) {
  int32_t n = 1;
  for (int i = 0; t && i < t->ndims; i++) n *= bt_tensor_dim(t, i);
  return n;
}

int32_t bt_tensor_outer_size(const bt_tensor *t) {
  int32_t n = 1;
  for (int i = 0; t && i + 1 < t->ndims; i++) n *= bt_tensor_dim(t, i);
  return n;
}

/* Vector `field` of the tensor's QuantizationParameters table. The table and
 * both vectors were bounds-checked by the model loader (bt_model_scan), which
 * is the only code that sets q_off; here we only walk the validated offsets. */
static const uint8_t *quant_vec(const bt_tensor *t, int field) {
  if (!t || !t->q_off || !t->q_count) return NULL;
  const uint8_t *tab = t->dims + t->q_off;
  const uint8_t *vt = tab - bt_ld_i32(tab);
  uint32_t slot = 4u + 2u * (uint32_t)field;
  if (slot + 2u > bt_ld_u16(vt)) return NULL;
  uint16_t off = bt_ld_u16(vt + slot);
  if (!off) return NULL;
  const uint8_t *f = tab + off;
  const uint8_t *v = f + bt_ld_u32(f);
  return bt_ld_u32(v) >= t->q_count ? v + 4 : NULL;
}

float bt_tensor_scale(const bt_tensor *t, int i) {
  const uint8_t *v = quant_vec(t, BT_QUANT_SCALE);
  if (!v) return 0.0f;
  if (i < 0 || i >= t->q_count) i = 0;
  return bt_ld_f32(v + 4 * i);
}

int32_t bt_tensor_zero_point(const bt_tensor *t, int i) {
  const uint8_t *v = quant_vec(t, BT_QUANT_ZERO_POINT);
  if (!v) return 0;
  if (i < 0 || i >= t->q_count) i = 0;
  return (int32_t)bt_ld_i64(v + 8 * i);
}

int64_t bt_tensor_zero_point64(const bt_tensor *t, int i) {
  const uint8_t *v = quant_vec(t, BT_QUANT_ZERO_POINT);
  if (!v) return 0;
  if (i < 0 || i >= t->q_count) i = 0;
  return bt_ld_i64(v + 8 * i);
}

int bt_tensor_same_shape(const bt_tensor *a, const bt_tensor *b) {
  if (a->ndims != b->ndims) return 0;
  for (int i = 0; i < a->ndims; i++)
    if (bt_tensor_dim(a, i) != bt_tensor_dim(b, i)) return 0;
  return 1;
}
