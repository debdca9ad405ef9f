/* FULLY_CONNECTED, int8 x int8 (+ int32 bias) -> int8, per-tensor or
 * per-channel filter quantization; TFLM reference_integer_ops semantics.
 * float32 too (TFLM reference_ops order of summation, so bit-exact).
 * Shared by kernels/ref/fully_connected.c and kernels/dsp/fully_connected.c. */
#include <float.h>
#include "fully_connected_common.h"

BT_COLD static bt_status prepare_float(bt_ctx *c, bt_fc_data *d) {
  switch (bt_opt_u8(c, 0, BT_ACT_NONE)) {
    case BT_ACT_NONE: d->fmin = -FLT_MAX; d->fmax = FLT_MAX; break;
    case BT_ACT_RELU: d->fmin = 0.0f; d->fmax = FLT_MAX; break;
    case BT_ACT_RELU_N1_TO_1: d->fmin = -1.0f; d->fmax = 1.0f; break;
    case BT_ACT_RELU6: d->fmin = 0.0f; d->fmax = 6.0f; break;
    default: return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "bad activation");
  }
  return BT_OK;
}

bt_status bt_fc_eval_float(bt_ctx *c, const bt_fc_data *d) {
  const float *x = bt_input(c, 0)->data;
  const float *w = bt_input(c, 1)->data;
  const bt_tensor *bt = bt_input(c, 2);
  const float *bias = bt ? bt->data : NULL;
  float *y = bt_output(c, 0)->data;
  for (int32_t b = 0; b < d->batches; b++) {
    for (int32_t o = 0; o < d->out_depth; o++) {
      float total = 0.0f;
      for (int32_t k = 0; k < d->accum_depth; k++)
        total += x[b * d->accum_depth + k] * w[o * d->accum_depth + k];
      float v = total + (bias ? bias[o] : 0.0f);
      v = v < d->fmin ? d->fmin : v;
      y[b * d->out_depth + o] = v > d->fmax ? d->fmax : v;
    }
  }
  return BT_OK;
}

BT_COLD_OS bt_status bt_fc_prepare(bt_ctx *c, bt_fc_data **out_data) {
  bt_tensor *in = bt_input(c, 0), *w = bt_input(c, 1), *b = bt_input(c, 2), *out = bt_output(c, 0);
  if (!in || !w || !out) return bt_fail(c, BT_ERR_GRAPH, "missing input/weights/output");
  const int is_float = BT_HAS_FLOAT && in->type == BT_FLOAT32;
  const int t = is_float ? BT_FLOAT32 : BT_INT8;
  if (in->type != t || w->type != t || out->type != t || (!is_float && !BT_HAS_QUANT))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8/float32 only");
  if (b && b->type != (is_float ? BT_FLOAT32 : BT_INT32))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "bias type");
  if (!(w->flags & BT_TENSOR_CONST) || (b && !(b->flags & BT_TENSOR_CONST)))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "weights/bias not constant");
  if (w->ndims != 2 || out->ndims < 1) return bt_fail(c, BT_ERR_SHAPE, "weights not 2-D");
  int32_t out_depth = bt_tensor_dim(out, out->ndims - 1);
  int32_t accum = bt_tensor_dim(w, 1);
  if (out_depth != bt_tensor_dim(w, 0) || accum <= 0 || out_depth <= 0)
    return bt_fail(c, BT_ERR_SHAPE, "weights/output depth");
  int32_t batches = bt_tensor_outer_size(out);
  if ((int64_t)batches * accum != bt_tensor_num_elems(in))
    return bt_fail(c, BT_ERR_SHAPE, "input size");
  if (b && bt_tensor_num_elems(b) != out_depth) return bt_fail(c, BT_ERR_SHAPE, "bias size");
  if (is_float) {
    bt_fc_data *d = bt_op_data_alloc(c, sizeof *d);
    if (!d) return BT_ERR_ARENA_TOO_SMALL;
    d->batches = batches;
    d->accum_depth = accum;
    d->out_depth = out_depth;
    d->is_float = 1;
    *out_data = d;
    return prepare_float(c, d);
  }
  if (in->q_count != 1 || out->q_count != 1 || w->q_count == 0)
    return bt_fail(c, BT_ERR_QUANT, "bad quantization");
  int per_channel = w->q_count > 1;
  if (per_channel && (w->q_count != out_depth || w->q_dim != 0))
    return bt_fail(c, BT_ERR_QUANT, "per-channel axis");

  if (!bt_zp_ok(in) || !bt_zp_ok(w) || !bt_zp_ok(out)) return bt_fail(c, BT_ERR_QUANT, "zero point out of range");
  bt_fc_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->batches = batches;
  d->accum_depth = accum;
  d->out_depth = out_depth;
  d->in_offset = -bt_tensor_zero_point(in, 0);
  d->filter_offset = per_channel ? 0 : -bt_tensor_zero_point(w, 0);
  d->out_offset = bt_tensor_zero_point(out, 0);
  if (!(bt_tensor_scale(out, 0) > 0.0f)) return bt_fail(c, BT_ERR_QUANT, "bad quantization");
  if (per_channel) {
    d->ch_mult = bt_alloc_persistent(c, sizeof(int32_t) * (size_t)out_depth);
    d->ch_shift = bt_alloc_persistent(c, sizeof(int32_t) * (size_t)out_depth);
    if (!d->ch_mult || !d->ch_shift) return BT_ERR_ARENA_TOO_SMALL;
    for (int32_t i = 0; i < out_depth; i++) {
      double m = (double)bt_tensor_scale(in, 0) * (double)bt_tensor_scale(w, i) /
                 (double)bt_tensor_scale(out, 0);
      int sh;
      bt_quantize_multiplier(m, &d->ch_mult[i], &sh);
      d->ch_shift[i] = sh;
    }
  } else {
    int sh;
    bt_quantize_multiplier(bt_conv_multiplier(in, w, out), &d->mult, &sh);
    d->shift = sh;
  }
  bt_status s = bt_act_range_q(bt_opt_u8(c, 0, BT_ACT_NONE), out, &d->act_min, &d->act_max);
  if (s != BT_OK) return bt_fail(c, s, "bad activation");
  *out_data = d;
  return BT_OK;
}

void bt_fc_ref_eval(const bt_fc_data *d, const int8_t *x, const int8_t *w, const int32_t *bias,
                    int8_t *y) {
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *xb = x + b * d->accum_depth;
    for (int32_t o = 0; o < d->out_depth; o++) {
      const int8_t *wo = w + o * d->accum_depth;
      int32_t acc = 0;
      for (int32_t k = 0; k < d->accum_depth; k++)
        acc = bt_wadd(acc, (wo[k] + d->filter_offset) * (xb[k] + d->in_offset));
      if (bias) acc = bt_wadd(acc, bias[o]);
      y[b * d->out_depth + o] = bt_fc_requant(d, acc, o);
    }
  }
}
