/* PAD: constant padding with int32 paddings [rank, 2] (must be constant, as
 * in TFLM, which sizes nothing at run time). The pad value is the output
 * zero point for int8 (a real 0.0), and 0 for int16/int32/float32. */
#include <string.h>
#include "bt/op.h"

#define PAD_MAX_DIMS 5   /* TFLM's pad supports up to 5-D */

typedef struct pad_data {
  int32_t rank, elem;
  int32_t in_dims[PAD_MAX_DIMS], out_dims[PAD_MAX_DIMS], before[PAD_MAX_DIMS];
  int32_t pad_byte;       /* fill byte: zero point for int8, else 0 */
} pad_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *p = bt_input(c, 1), *out = bt_output(c, 0);
  if (!in || !p || !out) return bt_fail(c, BT_ERR_GRAPH, "needs input, paddings and output");
  if (in->type != out->type) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "input/output types differ");
  if (in->type != BT_INT8 && in->type != BT_INT16 && in->type != BT_INT32 && in->type != BT_FLOAT32)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8/int16/int32/float32 only");
  if (p->type != BT_INT32) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "paddings must be int32");
  if (!(p->flags & BT_TENSOR_CONST)) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "paddings must be constant");
  int32_t rank = in->ndims;
  if (rank < 1 || rank > PAD_MAX_DIMS || out->ndims != rank)
    return bt_fail(c, BT_ERR_SHAPE, "rank must be 1..5 and equal for input/output");
  if (bt_tensor_num_elems(p) != 2 * rank) return bt_fail(c, BT_ERR_SHAPE, "paddings must be [rank, 2]");
  pad_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  const int32_t *pv = p->data;
  d->rank = rank;
  d->elem = (int32_t)bt_type_size(in->type);
  for (int32_t i = 0; i < rank; i++) {
    int32_t a = pv[2 * i], b = pv[2 * i + 1];
    if (a < 0 || b < 0) return bt_fail(c, BT_ERR_SHAPE, "negative padding");
    d->in_dims[i] = bt_tensor_dim(in, i);
    d->out_dims[i] = bt_tensor_dim(out, i);
    d->before[i] = a;
    if ((int64_t)d->in_dims[i] + a + b != d->out_dims[i])
      return bt_fail(c, BT_ERR_SHAPE, "output shape != input + paddings");
  }
  if (in->type == BT_INT8) {
    if (out->q_count < 1) return bt_fail(c, BT_ERR_QUANT, "int8 output not quantized");
    int32_t zp = bt_tensor_zero_point(out, 0);
    if (zp < -128 || zp > 127) return bt_fail(c, BT_ERR_QUANT, "zero point out of int8 range");
    d->pad_byte = (int32_t)(uint8_t)(int8_t)zp;
  }
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  const pad_data *d = bt_op_data(c);
  const bt_tensor *in = bt_input(c, 0);
  bt_tensor *out = bt_output(c, 0);
  const uint8_t *src = in->data;
  uint8_t *dst = out->data;
  /* Fill everything with the pad value, then copy the input's innermost
   * rows into place: simple, and the fill is a single memset. */
  memset(dst, d->pad_byte, out->bytes);
  if (in->bytes == 0) return BT_OK;
  const int32_t r = d->rank;
  size_t out_stride[PAD_MAX_DIMS];
  out_stride[r - 1] = (size_t)d->elem;
  for (int32_t i = r - 2; i >= 0; i--) out_stride[i] = out_stride[i + 1] * (size_t)d->out_dims[i + 1];
  const size_t row = (size_t)d->in_dims[r - 1] * (size_t)d->elem;
  int32_t idx[PAD_MAX_DIMS] = {0};
  for (;;) {
    size_t off = (size_t)d->before[r - 1] * out_stride[r - 1];
    for (int32_t i = 0; i < r - 1; i++) off += (size_t)(idx[i] + d->before[i]) * out_stride[i];
    memcpy(dst + off, src, row);
    src += row;
    int32_t i = r - 2;               /* odometer over the outer input dims */
    for (; i >= 0; i--) {
      if (++idx[i] < d->in_dims[i]) break;
      idx[i] = 0;
    }
    if (i < 0) break;
  }
  return BT_OK;
}

const bt_op_reg bt_op_pad = {BT_BUILTIN_PAD, "PAD", prepare, eval};
