/* QUANTIZE: float32 -> int8/int16/uint8 (AffineQuantize, division in double)
 * and integer requantization (Requantize with one multiplier), as TFLM. */
#include "bt/op.h"
#include "bt/quant.h"

typedef struct q_data {
  double scale;           /* float input: output scale */
  int32_t mult, shift;    /* integer input: in_scale / out_scale */
  int32_t in_zp, out_zp;
  int32_t qmin, qmax;
} q_data;

static int int_type(int t) { return t == BT_INT8 || t == BT_INT16 || t == BT_UINT8; }

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "missing input/output");
  /* seq-ops addition: integer -> int32 requantization (keyword_scrambled output). */
  int to_i32 = out->type == BT_INT32 && in->type != BT_FLOAT32;
  if (!(int_type(out->type) || to_i32) || (in->type != BT_FLOAT32 && !int_type(in->type)))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "float32/int8/int16/uint8 -> int8/int16/uint8 only");
  if (bt_tensor_num_elems(in) != bt_tensor_num_elems(out)) return bt_fail(c, BT_ERR_SHAPE, "size mismatch");
  if (out->q_count != 1 || (in->type != BT_FLOAT32 && in->q_count < 1))
    return bt_fail(c, BT_ERR_QUANT, "not per-tensor");
  if (!bt_zp_ok(out) || (in->type != BT_FLOAT32 && !bt_zp_ok(in)))
    return bt_fail(c, BT_ERR_QUANT, "zero point out of range");
  q_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->scale = (double)bt_tensor_scale(out, 0);
  if (!(d->scale > 0.0)) return bt_fail(c, BT_ERR_QUANT, "bad quantization");
  d->out_zp = bt_tensor_zero_point(out, 0);
  d->qmin = out->type == BT_INT8 ? -128 : out->type == BT_UINT8 ? 0 : -32768;
  d->qmax = out->type == BT_INT8 ? 127 : out->type == BT_UINT8 ? 255 : 32767;
  if (to_i32) { d->qmin = INT32_MIN; d->qmax = INT32_MAX; }   /* seq-ops addition */
  if (in->type != BT_FLOAT32) {
    int sh;
    bt_quantize_multiplier((double)bt_tensor_scale(in, 0) / d->scale, &d->mult, &sh);
    d->shift = sh;
    d->in_zp = bt_tensor_zero_point(in, 0);
  }
  return BT_OK;
}

static int32_t load(const bt_tensor *t, int32_t i) {
  switch (t->type) {
    case BT_INT8: return ((const int8_t *)t->data)[i];
    case BT_INT16: return ((const int16_t *)t->data)[i];
    default: return ((const uint8_t *)t->data)[i];
  }
}

static void store(bt_tensor *t, int32_t i, int32_t v) {
  switch (t->type) {
    case BT_INT8: ((int8_t *)t->data)[i] = (int8_t)v; break;
    case BT_INT16: ((int16_t *)t->data)[i] = (int16_t)v; break;
    case BT_INT32: ((int32_t *)t->data)[i] = v; break;   /* seq-ops addition */
    default: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
  }
}

static bt_status eval(bt_ctx *c) {
  const q_data *d = bt_op_data(c);
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  int32_t n = bt_tensor_num_elems(out);
  if (BT_HAS_FLOAT && in->type == BT_FLOAT32) {
    const float *x = in->data;
    for (int32_t i = 0; i < n; i++) {
      double r = bt_round((double)x[i] / d->scale);
      /* Saturate before converting: out-of-range float->int is UB in C. */
      if (r > 2147483647.0 || r != r) r = 2147483647.0;   /* NaN -> max like x86 would not; documented */
      if (r < -2147483648.0) r = -2147483648.0;
      int64_t v = (int64_t)r + d->out_zp;
      store(out, i, (int32_t)(v < d->qmin ? d->qmin : v > d->qmax ? d->qmax : v));
    }
  } else {
    for (int32_t i = 0; i < n; i++) {
      int32_t v = bt_wadd(bt_mbqm(load(in, i) - d->in_zp, d->mult, d->shift), d->out_zp);
      store(out, i, bt_clamp_i32(v, d->qmin, d->qmax));
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_quantize = {BT_BUILTIN_QUANTIZE, "QUANTIZE", prepare, eval};
