/* SOFTMAX int8 -> int8/int16, BT_KERNELS=dsp: same results as kernels/ref/
 * softmax.c. The ref evaluates the fixed-point exp (a dozen 64-bit
 * multiplies) twice per element, once for the sum and once for the output;
 * here each exp is computed once into a scratch row (requested in prepare,
 * depth x int32, so it shows in the arena head as TFLM's scratch does) and
 * the row maximum is found 4 bytes at a time with SSUB8+SEL. Same
 * bt/quant.h arithmetic on the same values, so the bits are the ref's. */
#include "bt/op.h"
#include "bt/quant.h"
#include "dsp_simd.h"
#include "ref/actf_common.h"
#include "ref/softmax_common.h"

enum { SCALED_DIFF_INT_BITS = 5, ACCUM_INT_BITS = 12 };

typedef struct sm_data {
  int32_t is_float;
  float beta;
  int32_t in_mult;
  int32_t in_left_shift;
  int32_t diff_min;
  int32_t depth, outer;
  int scratch_idx;
} sm_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *out = bt_output(c, 0);
  if (!in || !out) return bt_fail(c, BT_ERR_GRAPH, "needs input and output");
  if (BT_HAS_FLOAT && (in->type == BT_FLOAT32 || out->type == BT_FLOAT32)) {   /* no SIMD for float: ref's path */
    sm_data *d = bt_op_data_alloc(c, sizeof *d);
    if (!d) return BT_ERR_ARENA_TOO_SMALL;
    d->is_float = 1;
    return bt_softmaxf_prepare(c, in, out, &d->beta, &d->depth, &d->outer);
  }
  if (!BT_HAS_QUANT || in->type != BT_INT8 || (out->type != BT_INT8 && out->type != BT_INT16))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 -> int8/int16 only");
  if (!bt_tensor_same_shape(in, out) || in->ndims < 1) return bt_fail(c, BT_ERR_SHAPE, "shape mismatch");
  if (in->q_count < 1 || out->q_count < 1) return bt_fail(c, BT_ERR_QUANT, "missing quantization");
  if (out->type == BT_INT8 && bt_tensor_zero_point(out, 0) != -128)
    return bt_fail(c, BT_ERR_QUANT, "int8 output zero point must be -128");
  if (out->type == BT_INT16 && bt_tensor_zero_point(out, 0) != -32768)
    return bt_fail(c, BT_ERR_QUANT, "int16 output zero point must be -32768");
  if (!bt_zp_ok(in)) return bt_fail(c, BT_ERR_QUANT, "zero point out of range");
  sm_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->is_float = 0;
  float beta = bt_opt_f32(c, 0, 1.0f);
  int ls;
  bt_preprocess_softmax_scaling((double)beta, (double)bt_tensor_scale(in, 0), SCALED_DIFF_INT_BITS,
                                &d->in_mult, &ls);
  if (ls < 0 || ls > 31) return bt_fail(c, BT_ERR_QUANT, "input scale out of range");
  d->in_left_shift = ls;
  d->diff_min = -bt_calculate_input_radius(SCALED_DIFF_INT_BITS, ls, 31);
  d->depth = bt_tensor_dim(in, in->ndims - 1);
  d->outer = bt_tensor_outer_size(in);
  d->scratch_idx = -1;
  if (d->depth > 0) {
    bt_status s = bt_request_scratch(c, (size_t)d->depth * sizeof(int32_t), &d->scratch_idx);
    if (s != BT_OK) return s;
  }
  return BT_OK;
}

static int32_t row_max(const int8_t *row, int32_t n) {
  int32_t i = 0, mx = -128;
  if (n >= 4) {
    uint32_t m = 0x80808080u;
    for (; i + 4 <= n; i += 4) m = bt_max8(m, bt_ld32(row + i));
    m = bt_max8(m, m >> 16);   /* lanes 0,1 vs 2,3 (upper lanes ignored) */
    m = bt_max8(m, m >> 8);
    mx = (int8_t)(uint8_t)m;
  }
  for (; i < n; i++) if (row[i] > mx) mx = row[i];
  return mx;
}

static bt_status eval(bt_ctx *c) {
  const sm_data *d = bt_op_data(c);
  if (BT_HAS_FLOAT && (!BT_HAS_QUANT || d->is_float)) {
    bt_softmaxf(bt_input(c, 0)->data, bt_output(c, 0)->data, d->outer, d->depth, d->beta);
    return BT_OK;
  }
  if (d->depth <= 0) return BT_OK;
  const int8_t *x = bt_input(c, 0)->data;
  bt_tensor *out = bt_output(c, 0);
  int32_t *ex = bt_scratch(c, d->scratch_idx);
  const int wide = out->type == BT_INT16;
  const int32_t omin = wide ? -32768 : -128, omax = wide ? 32767 : 127;
  const int obits = wide ? 16 : 8;
  for (int32_t r = 0; r < d->outer; r++) {
    const int8_t *row = x + (size_t)r * d->depth;
    const int32_t mx = row_max(row, d->depth);
    int32_t sum = 0;   /* F12 */
    for (int32_t i = 0; i < d->depth; i++) {
      int32_t diff = row[i] - mx, e = 0;
      if (diff >= d->diff_min) {
        e = bt_exp_on_negative_values(bt_mbqm_gt_one(diff, d->in_mult, d->in_left_shift),
                                      SCALED_DIFF_INT_BITS);
        sum = (int32_t)((uint32_t)sum + (uint32_t)bt_rdbpot(e, ACCUM_INT_BITS));
      }
      ex[i] = diff >= d->diff_min ? e : -1;   /* -1: below the radius (exp >= 0 otherwise) */
    }
    int nbou;
    const int32_t scale = bt_get_reciprocal(sum, ACCUM_INT_BITS, &nbou);
    const int sh = nbou + 31 - obits;
    if (wide) {
      int16_t *y = (int16_t *)out->data + (size_t)r * d->depth;
      for (int32_t i = 0; i < d->depth; i++)
        y[i] = (int16_t)(ex[i] < 0 ? omin
                                   : bt_clamp_i32(bt_rdbpot(bt_srdhm(scale, ex[i]), sh) + omin, omin, omax));
    } else {
      int8_t *y = (int8_t *)out->data + (size_t)r * d->depth;
      for (int32_t i = 0; i < d->depth; i++)
        y[i] = (int8_t)(ex[i] < 0 ? omin
                                  : bt_clamp_i32(bt_rdbpot(bt_srdhm(scale, ex[i]), sh) + omin, omin, omax));
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_softmax = {BT_BUILTIN_SOFTMAX, "SOFTMAX", prepare, eval};
