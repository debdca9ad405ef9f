/* SOFTMAX int8 -> int8 (or int16): TFLM's reference fixed-point path
 * (gemmlowp exp_on_negative_values + reciprocal), beta from the options.
 * float32 -> float32: bt_softmaxf (actf_common.c). */
#include "bt/op.h"
#include "bt/quant.h"
#include "actf_common.h"
#include "softmax_common.h"

enum { SCALED_DIFF_INT_BITS = 5, ACCUM_INT_BITS = 12 };

typedef struct sm_data {
  int32_t is_float;
  float beta;
  int32_t in_mult;
  int32_t in_left_shift;
  int32_t diff_min;
  int32_t depth, outer;
} sm_data;

BT_COLD_OS static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "missing input/output");
  if (BT_HAS_FLOAT && (in->type == BT_FLOAT32 || out->type == BT_FLOAT32)) {
    sm_data *d = bt_op_data_alloc(c, sizeof *d);
    if (!d) return BT_ERR_ARENA_TOO_SMALL;
    d->is_float = 1;
    return bt_softmaxf_prepare(c, in, out, &d->beta, &d->depth, &d->outer);
  }
  if (!BT_HAS_QUANT || in->type != BT_INT8 || (out->type != BT_INT8 && out->type != BT_INT16))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 -> int8/int16 only");
  if (!bt_tensor_same_shape(in, out) || in->ndims < 1) return bt_fail(c, BT_ERR_SHAPE, "shape mismatch");
  if (in->q_count < 1 || out->q_count < 1) return bt_fail(c, BT_ERR_QUANT, "bad quantization");
  /* TFLM requires the fixed output quantization the kernel assumes. */
  if (out->type == BT_INT8 && bt_tensor_zero_point(out, 0) != -128)
    return bt_fail(c, BT_ERR_QUANT, "output zero point not -128");
  if (out->type == BT_INT16 && bt_tensor_zero_point(out, 0) != -32768)
    return bt_fail(c, BT_ERR_QUANT, "output zero point not -32768");
  if (!bt_zp_ok(in)) return bt_fail(c, BT_ERR_QUANT, "zero point out of range");
  sm_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->is_float = 0;
  float beta = bt_opt_f32(c, 0, 1.0f);
  int ls;
  bt_preprocess_softmax_scaling((double)beta, (double)bt_tensor_scale(in, 0), SCALED_DIFF_INT_BITS,
                                &d->in_mult, &ls);
  if (ls < 0 || ls > 31) return bt_fail(c, BT_ERR_QUANT, "input scale range");
  d->in_left_shift = ls;
  d->diff_min = -bt_calculate_input_radius(SCALED_DIFF_INT_BITS, ls, 31);
  d->depth = bt_tensor_dim(in, in->ndims - 1);
  d->outer = bt_tensor_outer_size(in);
  return BT_OK;
}

/* One row of class scores per invoke in the usual models, and the gemmlowp
 * helpers it calls are size-optimised too (quant.c): size over speed here. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("Os")))
#endif
static bt_status eval(bt_ctx *c) {
  const sm_data *d = bt_op_data(c);
  if (BT_HAS_FLOAT && (!BT_HAS_QUANT || d->is_float)) {
    bt_softmaxf(bt_input(c, 0)->data, bt_output(c, 0)->data, d->outer, d->depth, d->beta);
    return BT_OK;
  }
  const int8_t *x = bt_input(c, 0)->data;
  bt_tensor *out = bt_output(c, 0);
  const int wide = out->type == BT_INT16;
  const int32_t omin = wide ? -32768 : -128, omax = wide ? 32767 : 127;
  const int obits = wide ? 16 : 8;
  for (int32_t r = 0; r < d->outer; r++) {
    const int8_t *row = x + r * d->depth;
    int32_t mx = -128;
    for (int32_t i = 0; i < d->depth; i++) if (row[i] > mx) mx = row[i];
    int32_t sum = 0;   /* F12 */
    for (int32_t i = 0; i < d->depth; i++) {
      int32_t diff = row[i] - mx;
      if (diff >= d->diff_min) {
        int32_t e = bt_exp_on_negative_values(bt_mbqm_gt_one(diff, d->in_mult, d->in_left_shift),
                                              SCALED_DIFF_INT_BITS);
        sum = (int32_t)((uint32_t)sum + (uint32_t)bt_rdbpot(e, ACCUM_INT_BITS));
      }
    }
    int nbou;
    int32_t scale = bt_get_reciprocal(sum, ACCUM_INT_BITS, &nbou);
    for (int32_t i = 0; i < d->depth; i++) {
      int32_t diff = row[i] - mx, v = omin;
      if (diff >= d->diff_min) {
        int32_t e = bt_exp_on_negative_values(bt_mbqm_gt_one(diff, d->in_mult, d->in_left_shift),
                                              SCALED_DIFF_INT_BITS);
        v = bt_clamp_i32(bt_rdbpot(bt_srdhm(scale, e), nbou + 31 - obits) + omin, omin, omax);
      }
      if (wide) ((int16_t *)out->data)[r * d->depth + i] = (int16_t)v;
      else ((int8_t *)out->data)[r * d->depth + i] = (int8_t)v;
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_softmax = {BT_BUILTIN_SOFTMAX, "SOFTMAX", prepare, eval};
