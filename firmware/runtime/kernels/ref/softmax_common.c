#include "softmax_common.h"

BT_COLD bt_status bt_softmaxf_prepare(bt_ctx *c, const bt_tensor *in, const bt_tensor *out, float *beta,
                                      int32_t *depth, int32_t *outer) {
  if (in->type != out->type) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "float32 -> float32 only");
  if (!bt_tensor_same_shape(in, out) || in->ndims < 1) return bt_fail(c, BT_ERR_SHAPE, "shape mismatch");
  *beta = bt_opt_f32(c, 0, 1.0f);
  *depth = bt_tensor_dim(in, in->ndims - 1);
  *outer = bt_tensor_outer_size(in);
  return BT_OK;
}
