/* SQUEEZE: drops size-1 dims; the data is unchanged (copied if the planner
 * gave the output its own buffer). */
#include <string.h>
#include "bt/op.h"

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  if (in->type != out->type || in->bytes != out->bytes) return bt_fail(c, BT_ERR_SHAPE, "size/type mismatch");
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (in->data != out->data) memmove(out->data, in->data, in->bytes);
  return BT_OK;
}

const bt_op_reg bt_op_squeeze = {BT_BUILTIN_SQUEEZE, "SQUEEZE", prepare, eval};
