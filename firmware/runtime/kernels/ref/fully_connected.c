/* FULLY_CONNECTED (reference): prepare, float path and the int8 loop live in
 * ref/fully_connected_common.c, shared with the dsp variant. */
#include "fully_connected_common.h"

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_fc_data *d;
  return bt_fc_prepare(c, &d);
}

static bt_status eval(bt_ctx *c) {
  const bt_fc_data *d = bt_op_data(c);
  if (BT_HAS_FLOAT && (!BT_HAS_QUANT || d->is_float)) return bt_fc_eval_float(c, d);
  const bt_tensor *bt = bt_input(c, 2);
  bt_fc_ref_eval(d, bt_input(c, 0)->data, bt_input(c, 1)->data, bt ? bt->data : NULL,
                 bt_output(c, 0)->data);
  return BT_OK;
}

const bt_op_reg bt_op_fully_connected = {BT_BUILTIN_FULLY_CONNECTED, "FULLY_CONNECTED", prepare, eval};
