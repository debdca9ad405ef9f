/* DEQUANTIZE int8/int16 -> float32: (float)(scale * (q - zp)) in double,
 * as TFLM's reference Dequantize does. */
#include "bt/op.h"
#include "bt/quant.h"

typedef struct dq_data { double scale; int32_t zp; } dq_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "needs input and output");
  if ((in->type != BT_INT8 && in->type != BT_INT16 && in->type != BT_UINT8) || out->type != BT_FLOAT32)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8/int16/uint8 -> float32 only");
  if (bt_tensor_num_elems(in) != bt_tensor_num_elems(out)) return bt_fail(c, BT_ERR_SHAPE, "size mismatch");
  if (in->q_count < 1) return bt_fail(c, BT_ERR_QUANT, "input not quantized");
  if (!bt_zp_ok(in)) return bt_fail(c, BT_ERR_QUANT, "zero point out of range");
  dq_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->scale = (double)bt_tensor_scale(in, 0);
  d->zp = bt_tensor_zero_point(in, 0);
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  const dq_data *d = bt_op_data(c);
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  float *y = out->data;
  int32_t n = bt_tensor_num_elems(out);
  for (int32_t i = 0; i < n; i++) {
    int32_t v = in->type == BT_INT8 ? ((const int8_t *)in->data)[i]
              : in->type == BT_INT16 ? ((const int16_t *)in->data)[i]
              : ((const uint8_t *)in->data)[i];
    y[i] = (float)(d->scale * (double)(v - d->zp));
  }
  return BT_OK;
}

const bt_op_reg bt_op_dequantize = {BT_BUILTIN_DEQUANTIZE, "DEQUANTIZE", prepare, eval};
