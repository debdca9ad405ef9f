/* Pool2DOptions parsing and TFLM padding for the pooling kernels. */
#include "pool_common.h"
#include "conv_common.h"

BT_COLD_OS bt_status bt_pool_prepare(bt_ctx *c, bt_pool_data **out_data) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "missing input/output");
  if (in->type != BT_INT8 || out->type != BT_INT8)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 only");
  if (in->ndims != 4 || out->ndims != 4) return bt_fail(c, BT_ERR_SHAPE, "not 4-D");
  /* Pool2DOptions: padding, stride_w, stride_h, filter_width, filter_height, activation */
  int padding = bt_opt_u8(c, 0, 0);
  int32_t sw = bt_opt_i32(c, 1, 0), sh = bt_opt_i32(c, 2, 0);
  int32_t fw = bt_opt_i32(c, 3, 0), fh = bt_opt_i32(c, 4, 0);
  int act = bt_opt_u8(c, 5, BT_ACT_NONE);
  if (padding > 1) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "unknown padding");
  if (sw < 1 || sh < 1 || fw < 1 || fh < 1 || sw > 0xFFFF || sh > 0xFFFF || fw > 0xFFFF || fh > 0xFFFF)
    return bt_fail(c, BT_ERR_SHAPE, "filter/stride");
  int32_t nb = bt_tensor_dim(in, 0), ih = bt_tensor_dim(in, 1), iw = bt_tensor_dim(in, 2),
          ch = bt_tensor_dim(in, 3);
  if (nb < 1 || ih < 1 || iw < 1 || ch < 1) return bt_fail(c, BT_ERR_SHAPE, "empty dimension");
  int32_t oh = bt_conv_out_size(padding, ih, fh, sh, 1), ow = bt_conv_out_size(padding, iw, fw, sw, 1);
  if (oh < 1 || ow < 1) return bt_fail(c, BT_ERR_SHAPE, "empty output");
  if (bt_tensor_dim(out, 0) != nb || bt_tensor_dim(out, 1) != oh || bt_tensor_dim(out, 2) != ow ||
      bt_tensor_dim(out, 3) != ch)
    return bt_fail(c, BT_ERR_SHAPE, "output shape");
  if (out->q_count < 1 || !(bt_tensor_scale(out, 0) > 0.0f))
    return bt_fail(c, BT_ERR_QUANT, "bad quantization");
  bt_pool_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->batches = nb; d->in_h = ih; d->in_w = iw; d->depth = ch; d->out_h = oh; d->out_w = ow;
  d->f_h = fh; d->f_w = fw; d->stride_h = sh; d->stride_w = sw;
  d->pad_h = bt_conv_padding(sh, 1, ih, fh, oh);
  d->pad_w = bt_conv_padding(sw, 1, iw, fw, ow);
  bt_status s = bt_conv_act_range(c, act, out, &d->act_min, &d->act_max);
  if (s != BT_OK) return s;
  *out_data = d;
  return BT_OK;
}
