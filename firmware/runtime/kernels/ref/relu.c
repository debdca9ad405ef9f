/* RELU int8: requantize in -> out (one multiplier) and clamp at real 0, as
 * TFLM's ReluQuantized. */
#include "bt/op.h"
#include "bt/quant.h"

typedef struct {
  int32_t in_zp, out_zp, mult, lo, hi;
  int shift;
} relu_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  if (in->type != BT_INT8 || out->type != BT_INT8) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 only");
  if (!in->q_count || !out->q_count) return bt_fail(c, BT_ERR_QUANT, "not quantized");
  if (bt_tensor_num_elems(in) != bt_tensor_num_elems(out)) return bt_fail(c, BT_ERR_SHAPE, "size mismatch");
  relu_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  float os = bt_tensor_scale(out, 0);
  bt_quantize_multiplier((double)bt_tensor_scale(in, 0) / (double)os, &d->mult, &d->shift);
  d->in_zp = bt_tensor_zero_point(in, 0);
  d->out_zp = bt_tensor_zero_point(out, 0);
  /* zero_point + round(0 / scale), i.e. the zero point, floored at -128. */
  d->lo = d->out_zp;   /* not via 0.0f / os: NaN (UB to convert) when os == 0 */
  if (d->lo < -128) d->lo = -128;
  d->hi = 127;
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  const relu_data *d = bt_op_data(c);
  bt_tensor *in = bt_input(c, 0);
  const int8_t *x = in->data;
  int8_t *y = bt_output(c, 0)->data;
  int32_t n = bt_tensor_num_elems(in);
  for (int32_t i = 0; i < n; i++) {
    /* Wrapping add, as TFLM on hardware: a tiny output scale makes the product
     * reach INT32_MIN and a plain + is UB (found by firmware/fuzz). */
    int32_t v = bt_wadd(d->out_zp, bt_mbqm((int32_t)x[i] - d->in_zp, d->mult, d->shift));
    y[i] = (int8_t)bt_clamp_i32(v, d->lo, d->hi);
  }
  return BT_OK;
}

const bt_op_reg bt_op_relu = {BT_BUILTIN_RELU, "RELU", prepare, eval};
