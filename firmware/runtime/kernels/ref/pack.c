/* PACK: stack N same-shaped tensors along a new axis (byte copy, no
 * requantization, as TFLM). */
#include <string.h>
#include "bt/op.h"

typedef struct {
  int32_t outer;      /* product of the input dims before the axis */
  uint32_t chunk;     /* bytes of one input per outer index */
} pack_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *out = bt_output(c, 0);
  bt_tensor *in0 = bt_input(c, 0);
  int n = bt_num_inputs(c);
  if (!out || !in0) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  size_t es = bt_type_size(out->type);
  if (!es) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "unsupported type");
  if (bt_opt_i32(c, 0, n) != n) return bt_fail(c, BT_ERR_GRAPH, "values_count != inputs");
  int rank = in0->ndims;
  int axis = bt_opt_i32(c, 1, 0);
  if (axis < 0) axis += rank + 1;
  if (axis < 0 || axis > rank || out->ndims != rank + 1) return bt_fail(c, BT_ERR_SHAPE, "bad axis/rank");
  for (int i = 0; i < n; i++) {
    bt_tensor *t = bt_input(c, i);
    if (!t || t->type != out->type || !bt_tensor_same_shape(t, in0))
      return bt_fail(c, BT_ERR_SHAPE, "inputs must have the same shape and type");
  }
  for (int k = 0, j = 0; k <= rank; k++) {
    int32_t want = k == axis ? n : bt_tensor_dim(in0, j++);
    if (bt_tensor_dim(out, k) != want) return bt_fail(c, BT_ERR_SHAPE, "output shape mismatch");
  }
  pack_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->outer = 1;
  for (int k = 0; k < axis; k++) d->outer *= bt_tensor_dim(in0, k);
  d->chunk = d->outer ? in0->bytes / (uint32_t)d->outer : 0;
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  const pack_data *d = bt_op_data(c);
  int n = bt_num_inputs(c);
  uint8_t *y = bt_output(c, 0)->data;
  for (int32_t o = 0; o < d->outer; o++)
    for (int i = 0; i < n; i++) {
      memcpy(y, (const uint8_t *)bt_input(c, i)->data + (size_t)o * d->chunk, d->chunk);
      y += d->chunk;
    }
  return BT_OK;
}

const bt_op_reg bt_op_pack = {BT_BUILTIN_PACK, "PACK", prepare, eval};
