/* CONV_2D int8 (per-channel or per-tensor filter, int32 bias, SAME/VALID,
 * stride, dilation, groups, fused activation): TFLM reference semantics.
 * Prepare and loops live in conv_common.c, shared with the dsp variant. */
#include "conv_common.h"

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_conv_data *d;
  return bt_conv_prepare(c, BT_CONV_KIND_CONV, &d);
}

static bt_status eval(bt_ctx *c) {
  const bt_conv_data *d = bt_op_data(c);
  const bt_tensor *b = bt_input(c, 2);
  bt_conv_ref_eval(d, bt_input(c, 0)->data, bt_input(c, 1)->data, b ? b->data : NULL,
                   bt_output(c, 0)->data);
  return BT_OK;
}

const bt_op_reg bt_op_conv_2d = {BT_BUILTIN_CONV_2D, "CONV_2D", prepare, eval};
