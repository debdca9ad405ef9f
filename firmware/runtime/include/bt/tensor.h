/* A tensor as kernels see it. Compact on purpose (24 bytes on Cortex-M):
 * shape and quantization are NOT copied, they point into the flatbuffer,
 * which may be unaligned; read them only through the accessors below
 * (they memcpy). Activation data pointers are 16-byte aligned; constant
 * data is checked at init to be aligned to its element size, so kernels may
 * cast `data` to the element type directly. */
#ifndef BT_TENSOR_H
#define BT_TENSOR_H
#include <stdint.h>
#include <stddef.h>

/* TFLite schema TensorType numbering (tflite::TensorType). */
typedef enum bt_type {
  BT_FLOAT32 = 0, BT_FLOAT16 = 1, BT_INT32 = 2, BT_UINT8 = 3, BT_INT64 = 4,
  BT_STRING = 5, BT_BOOL = 6, BT_INT16 = 7, BT_COMPLEX64 = 8, BT_INT8 = 9,
  BT_FLOAT64 = 10, BT_COMPLEX128 = 11, BT_UINT64 = 12, BT_RESOURCE = 13,
  BT_VARIANT = 14, BT_UINT32 = 15, BT_UINT16 = 16, BT_INT4 = 17,
  BT_BFLOAT16 = 18
} bt_type;

enum {
  BT_TENSOR_CONST = 1u << 0,    /* data lives in the model (read-only) */
  BT_TENSOR_VARIABLE = 1u << 1, /* is_variable: persistent state, zeroed at init */
  BT_TENSOR_INPUT = 1u << 2,    /* subgraph input */
  BT_TENSOR_OUTPUT = 1u << 3    /* subgraph output */
};

typedef struct bt_tensor {
  void *data;                 /* NULL only for an absent optional tensor */
  const uint8_t *dims;        /* ndims little-endian int32 in the flatbuffer */
  int32_t q_off;              /* QuantizationParameters table at dims + q_off; 0 = none.
                                 Private: use bt_tensor_scale / bt_tensor_zero_point. */
  uint32_t bytes;             /* element size * element count */
  uint16_t q_count;           /* 0 = not quantized, 1 = per-tensor, else per-channel */
  uint8_t type;               /* bt_type */
  uint8_t ndims;
  uint8_t q_dim;              /* quantized_dimension (per-channel axis) */
  uint8_t flags;              /* BT_TENSOR_* */
} bt_tensor;                  /* 24 bytes on Cortex-M, 32 on a 64-bit host */

/* Size in bytes of one element of `type`, 0 if unsupported (string, int4...). */
size_t bt_type_size(int type);
const char *bt_type_name(int type);

int32_t bt_tensor_dim(const bt_tensor *t, int i);     /* 0 if i out of range */
int32_t bt_tensor_num_elems(const bt_tensor *t);
/* Product of dims [0, ndims-1) i.e. everything but the innermost axis. */
int32_t bt_tensor_outer_size(const bt_tensor *t);
/* Quantization; channel i >= q_count falls back to channel 0.
 * scale 0.0f / zero point 0 when the tensor is not quantized. */
float bt_tensor_scale(const bt_tensor *t, int i);
int32_t bt_tensor_zero_point(const bt_tensor *t, int i);
int64_t bt_tensor_zero_point64(const bt_tensor *t, int i);  /* as stored (range checks) */
/* Same shape (rank and every dim)? */
int bt_tensor_same_shape(const bt_tensor *a, const bt_tensor *b);

#endif
