/* RELU6 int8: TFLM clamps the raw values to [q(0), q(6)] in the INPUT's
 * quantization and does not requantize (output quantization assumed equal). */
#include "bt/op.h"
#include "bt/quant.h"

typedef struct {
  int8_t lo, hi;
} relu6_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  if (in->type != BT_INT8 || out->type != BT_INT8) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 only");
  if (!in->q_count) return bt_fail(c, BT_ERR_QUANT, "not quantized");
  if (bt_tensor_num_elems(in) != bt_tensor_num_elems(out)) return bt_fail(c, BT_ERR_SHAPE, "size mismatch");
  relu6_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  int32_t zp = bt_tensor_zero_point(in, 0);
  /* FloatToQuantizedType(6.0f): round(6 / scale) + zp, clamped to int8. */
  float q6 = 6.0f / bt_tensor_scale(in, 0);
  int32_t six = q6 > 1e9f ? 127 : (int32_t)bt_round((double)q6) + zp;
  d->lo = (int8_t)bt_clamp_i32(zp, -128, 127);
  d->hi = (int8_t)bt_clamp_i32(six, -128, 127);
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  const relu6_data *d = bt_op_data(c);
  bt_tensor *in = bt_input(c, 0);
  const int8_t *x = in->data;
  int8_t *y = bt_output(c, 0)->data;
  int32_t n = bt_tensor_num_elems(in);
  for (int32_t i = 0; i < n; i++) y[i] = x[i] > d->hi ? d->hi : (x[i] < d->lo ? d->lo : x[i]);
  return BT_OK;
}

const bt_op_reg bt_op_relu6 = {BT_BUILTIN_RELU6, "RELU6", prepare, eval};
