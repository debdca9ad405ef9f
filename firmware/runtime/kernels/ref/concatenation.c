/* CONCATENATION: byte copy along an axis. TFLM's reference copies int8/int16/
 * int32 values unchanged (no requantization), so this does the same. */
#include <string.h>
#include "bt/op.h"

typedef struct {
  int32_t outer;      /* product of the dims before the axis */
} concat_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *out = bt_output(c, 0);
  int n = bt_num_inputs(c);
  if (!out || n < 1) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  size_t es = bt_type_size(out->type);
  if (!es || out->type == BT_BOOL) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "unsupported type");
  if (bt_opt_u8(c, 1, BT_ACT_NONE) != BT_ACT_NONE)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "fused activation not supported");
  int rank = out->ndims;
  int axis = bt_opt_i32(c, 0, 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return bt_fail(c, BT_ERR_SHAPE, "axis out of range");
  int32_t sum = 0;
  for (int i = 0; i < n; i++) {
    bt_tensor *t = bt_input(c, i);
    if (!t || t->type != out->type || t->ndims != rank) return bt_fail(c, BT_ERR_SHAPE, "inputs must match output rank/type");
    for (int k = 0; k < rank; k++)
      if (k != axis && bt_tensor_dim(t, k) != bt_tensor_dim(out, k))
        return bt_fail(c, BT_ERR_SHAPE, "non-axis dims differ");
    sum += bt_tensor_dim(t, axis);
  }
  if (sum != bt_tensor_dim(out, axis)) return bt_fail(c, BT_ERR_SHAPE, "axis dims do not add up");
  concat_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->outer = 1;
  for (int k = 0; k < axis; k++) d->outer *= bt_tensor_dim(out, k);
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  const concat_data *d = bt_op_data(c);
  bt_tensor *out = bt_output(c, 0);
  int n = bt_num_inputs(c);
  uint8_t *y = out->data;
  for (int32_t o = 0; o < d->outer; o++) {
    for (int i = 0; i < n; i++) {
      bt_tensor *t = bt_input(c, i);
      uint32_t chunk = t->bytes / (uint32_t)d->outer;   /* this input's bytes per outer index */
      memcpy(y, (const uint8_t *)t->data + (size_t)o * chunk, chunk);
      y += chunk;
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_concatenation = {BT_BUILTIN_CONCATENATION, "CONCATENATION", prepare, eval};
