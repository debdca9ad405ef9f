/* RESHAPE: shapes are static in the flatbuffer, so only bytes move (and
 * nothing at all when the planner gave input and output the same place). */
#include <string.h>
#include "bt/op.h"

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "missing input/output");
  if (in->bytes != out->bytes || in->type != out->type)
    return bt_fail(c, BT_ERR_SHAPE, "size mismatch");
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (in->data != out->data) memmove(out->data, in->data, out->bytes);
  return BT_OK;
}

const bt_op_reg bt_op_reshape = {BT_BUILTIN_RESHAPE, "RESHAPE", prepare, eval};
