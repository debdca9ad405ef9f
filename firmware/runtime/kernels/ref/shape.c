/* SHAPE: the input's dims as an int32 vector (TFLM supports int32 only). */
#include "bt/op.h"

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  if (out->type != BT_INT32) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int32 output only");
  if (bt_tensor_num_elems(out) != in->ndims) return bt_fail(c, BT_ERR_SHAPE, "output size != input rank");
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0);
  int32_t *y = bt_output(c, 0)->data;
  for (int k = 0; k < in->ndims; k++) y[k] = bt_tensor_dim(in, k);
  return BT_OK;
}

const bt_op_reg bt_op_shape = {BT_BUILTIN_SHAPE, "SHAPE", prepare, eval};
