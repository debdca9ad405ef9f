/* MEAN int8 over any constant axes (keep_dims or not): TFLM's integer mean
 * (reference_ops::QuantizedMeanOrSum, compute_sum = false): int32 sums,
 * minus zero point x count, one requantization whose multiplier folds in
 * 1/count (multiplier << floor(log2 count) / count, shift adjusted, clamped
 * so the shift stays in range), + output zero point, clamp to int8. */
#include "bt/op.h"
#include "bt/quant.h"

#define MEAN_MAX_DIMS 6

typedef struct mean_data {
  int32_t rank, num_out, count;
  int32_t dims[MEAN_MAX_DIMS];
  int32_t out_stride[MEAN_MAX_DIMS];  /* 0 for reduced axes */
  int32_t in_zp, out_zp, mult, shift;
  int scratch;
} mean_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *ax = bt_input(c, 1), *out = bt_output(c, 0);
  if (!in || !ax || !out) return bt_fail(c, BT_ERR_GRAPH, "needs input, axis and output");
  if (in->type != BT_INT8 || out->type != BT_INT8) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 only");
  if (ax->type != BT_INT32) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "axis must be int32");
  if (!(ax->flags & BT_TENSOR_CONST)) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "axis must be constant");
  int32_t rank = in->ndims;
  if (rank < 1 || rank > MEAN_MAX_DIMS) return bt_fail(c, BT_ERR_SHAPE, "rank must be 1..6");
  if (in->q_count < 1 || out->q_count < 1 || !(bt_tensor_scale(in, 0) > 0.0f) ||
      !(bt_tensor_scale(out, 0) > 0.0f))
    return bt_fail(c, BT_ERR_QUANT, "missing quantization");
  mean_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  int reduced[MEAN_MAX_DIMS] = {0};
  const int32_t *av = ax->data;
  int32_t n_ax = bt_tensor_num_elems(ax);
  for (int32_t i = 0; i < n_ax; i++) {
    int32_t a = av[i] < 0 ? av[i] + rank : av[i];
    if (a < 0 || a >= rank) return bt_fail(c, BT_ERR_SHAPE, "axis out of range");
    reduced[a] = 1;                      /* duplicates collapse, as ResolveAxis does */
  }
  d->rank = rank;
  int64_t num_out = 1, count = 1;
  for (int32_t i = rank - 1; i >= 0; i--) {
    d->dims[i] = bt_tensor_dim(in, i);
    if (d->dims[i] < 1) return bt_fail(c, BT_ERR_SHAPE, "empty input dimension");
    if (reduced[i]) {
      d->out_stride[i] = 0;
      count *= d->dims[i];
    } else {
      d->out_stride[i] = (int32_t)num_out;
      num_out *= d->dims[i];
    }
  }
  if (num_out != bt_tensor_num_elems(out)) return bt_fail(c, BT_ERR_SHAPE, "output size mismatch");
  if (count > 0x7FFFFF) return bt_fail(c, BT_ERR_SHAPE, "too many reduced elements");
  d->num_out = (int32_t)num_out;
  d->count = (int32_t)count;
  d->in_zp = bt_tensor_zero_point(in, 0);
  d->out_zp = bt_tensor_zero_point(out, 0);
  /* TFLM prepare: QuantizeMultiplier(input_scale / output_scale) in double. */
  int32_t m;
  int s;
  bt_quantize_multiplier((double)bt_tensor_scale(in, 0) / (double)bt_tensor_scale(out, 0), &m, &s);
  /* TFLM eval folds 1/count into the multiplier: shift by floor(log2(count)),
   * limited to 32 and to 31 + shift, integer-divide by count. */
  int k = 31 - bt_clz32((uint32_t)count);
  if (k > 32) k = 32;
  if (k > 31 + s) k = 31 + s;
  d->mult = (int32_t)(((int64_t)m << k) / count);
  d->shift = s - k;
  /* Per-output int32 sums live in scratch, like TFLM's temp_sum. */
  bt_status st = bt_request_scratch(c, sizeof(int32_t) * (size_t)num_out, &d->scratch);
  if (st != BT_OK) return st;
  return BT_OK;
}

static bt_status eval(bt_ctx *c) {
  const mean_data *d = bt_op_data(c);
  const int8_t *in = bt_input(c, 0)->data;
  int8_t *out = bt_output(c, 0)->data;
  int32_t *sum = bt_scratch(c, d->scratch);
  for (int32_t i = 0; i < d->num_out; i++) sum[i] = 0;
  int32_t idx[MEAN_MAX_DIMS] = {0};
  int32_t o = 0;                          /* output offset of idx */
  const int32_t r = d->rank;
  for (;;) {
    sum[o] += *in++;                      /* |sum| <= 128 * count < 2^31 */
    int32_t i = r - 1;                    /* odometer; keep o in step */
    for (; i >= 0; i--) {
      o += d->out_stride[i];
      if (++idx[i] < d->dims[i]) break;
      o -= d->out_stride[i] * d->dims[i];
      idx[i] = 0;
    }
    if (i < 0) break;
  }
  for (int32_t j = 0; j < d->num_out; j++) {
    /* TFLM subtracts in int64 and narrows to int32 (wrapping). */
    int32_t v = (int32_t)(uint32_t)((int64_t)sum[j] - (int64_t)d->in_zp * d->count);
    v = bt_mbqm(v, d->mult, d->shift) + d->out_zp;
    out[j] = (int8_t)bt_clamp_i32(v, -128, 127);
  }
  return BT_OK;
}

const bt_op_reg bt_op_mean = {BT_BUILTIN_MEAN, "MEAN", prepare, eval};
