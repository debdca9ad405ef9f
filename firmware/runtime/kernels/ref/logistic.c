/* LOGISTIC int8 (gemmlowp fixed-point logistic, TFLM reference) and int16
 * (table interpolation, see act16_common.c). */
#include "bt/op.h"
#include "bt/quant.h"
#include "act16_common.h"

typedef struct {
  int32_t in_zp, radius, mult, shift;
} logistic_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  if (in->type != out->type || (in->type != BT_INT8 && in->type != BT_INT16))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 or int16 only");
  if (bt_tensor_num_elems(in) != bt_tensor_num_elems(out))
    return bt_fail(c, BT_ERR_SHAPE, "input/output size differ");
  if (!in->q_count || !out->q_count) return bt_fail(c, BT_ERR_QUANT, "not quantized");
  logistic_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  if (in->type == BT_INT8) {
    if (bt_tensor_zero_point(out, 0) != -128)
      return bt_fail(c, BT_ERR_QUANT, "int8 output zero point must be -128");
    /* Input rescaled to Q4.27 with one multiplier (frexp, no shift limit). */
    int e;
    double q = bt_frexp((double)bt_tensor_scale(in, 0) * (double)(1 << 27), &e);
    d->mult = (int32_t)bt_round(q * 2147483648.0);
    d->shift = e;
    if (e > 31 || e < -31) return bt_fail(c, BT_ERR_QUANT, "input scale out of range");
    d->in_zp = bt_tensor_zero_point(in, 0);
    d->radius = bt_calculate_input_radius(4, e, 31);
  } else {
    if (bt_tensor_zero_point(in, 0) != 0 || bt_tensor_zero_point(out, 0) != 0)
      return bt_fail(c, BT_ERR_QUANT, "int16 zero points must be 0");
    if (bt_act16_params(bt_tensor_scale(in, 0), bt_tensor_scale(out, 0), 0, &d->mult, &d->shift))
      return bt_fail(c, BT_ERR_QUANT, "int16 needs output scale 2^-15");
  }
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  const logistic_data *d = bt_op_data(c);
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  int32_t n = bt_tensor_num_elems(in);
  if (in->type == BT_INT16) {
    bt_logistic16(d->mult, d->shift, n, in->data, out->data);
    return BT_OK;
  }
  const int8_t *x = in->data;
  int8_t *y = out->data;
  for (int32_t i = 0; i < n; i++) {
    int32_t v = (int32_t)x[i] - d->in_zp;
    if (v <= -d->radius) {
      y[i] = -128;
    } else if (v >= d->radius) {
      y[i] = 127;
    } else {
      int32_t q4 = bt_mbqm(v, d->mult, d->shift);
      int32_t o = bt_rdbpot(bt_fx_logistic(q4, 4), 23) - 128;   /* Q0.31 -> 1/256 steps */
      y[i] = (int8_t)bt_clamp_i32(o, -128, 127);
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_logistic = {BT_BUILTIN_LOGISTIC, "LOGISTIC", prepare, eval};
