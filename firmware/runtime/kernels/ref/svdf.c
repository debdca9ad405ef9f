/* SVDF, integer path of TFLM (EvalIntegerSvdfReference): int8 input and
 * feature weights, int8 or int16 time weights + activation state (same type),
 * optional int32 bias, int8 output. Per invoke: shift the state left by one,
 * write the new feature column (requantized into the state), time dot
 * product, rank reduction + bias, requantize to the output. */
#include <string.h>
#include "bt/op.h"
#include "bt/quant.h"

typedef struct {
  int32_t m1, m2;             /* effective scales: feature -> state, state*time -> output */
  int s1, s2;
  int32_t in_zp, out_zp, st_zp;
  int32_t batch, input, filter, unit, rank, memory;
  int scratch;                /* filter*batch int32 + unit*batch int32 */
  int wide;                   /* state/time weights are int16 */
} svdf_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *wf = bt_input(c, 1), *wt = bt_input(c, 2);
  bt_tensor *bias = bt_input(c, 3), *st = bt_input(c, 4), *out = bt_output(c, 0);
  if (!in || !wf || !wt || !st || !out || bt_num_inputs(c) != 5)
    return bt_fail(c, BT_ERR_GRAPH, "missing input/weights/state");
  if (in->type != BT_INT8 || wf->type != BT_INT8 || out->type != BT_INT8)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 only");
  if (!((wt->type == BT_INT8 && st->type == BT_INT8) || (wt->type == BT_INT16 && st->type == BT_INT16)))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "time weights/state type");
  if (bias && bias->type != BT_INT32) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "bias not int32");
  if (!(st->flags & BT_TENSOR_VARIABLE)) return bt_fail(c, BT_ERR_GRAPH, "states not variable");
  if (in->ndims != 2 || wf->ndims != 2 || wt->ndims != 2 || st->ndims != 2 || out->ndims != 2)
    return bt_fail(c, BT_ERR_SHAPE, "not 2-D");
  if (!in->q_count || !wf->q_count || !wt->q_count || !st->q_count || !out->q_count)
    return bt_fail(c, BT_ERR_QUANT, "bad quantization");
  svdf_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->rank = bt_opt_i32(c, 0, 0);
  d->batch = bt_tensor_dim(in, 0);
  d->input = bt_tensor_dim(in, 1);
  d->filter = bt_tensor_dim(wf, 0);
  d->memory = bt_tensor_dim(wt, 1);
  if (d->rank <= 0 || d->filter % d->rank) return bt_fail(c, BT_ERR_SHAPE, "filters % rank");
  if (d->batch <= 0 || d->filter <= 0 || d->memory <= 0 || d->input <= 0)
    return bt_fail(c, BT_ERR_SHAPE, "empty dimension");   /* eval shifts n_state - 1 elements */
  d->unit = d->filter / d->rank;
  if (bt_tensor_dim(wf, 1) != d->input || bt_tensor_dim(wt, 0) != d->filter ||
      bt_tensor_dim(out, 0) != d->batch || bt_tensor_dim(out, 1) != d->unit ||
      bt_tensor_dim(st, 0) != d->batch || bt_tensor_dim(st, 1) != d->memory * d->filter ||
      (bias && bt_tensor_num_elems(bias) != d->unit))
    return bt_fail(c, BT_ERR_SHAPE, "shape mismatch");
  d->wide = st->type == BT_INT16;
  /* TFLM multiplies the float scales in float, then widens to double. */
  float fs = bt_tensor_scale(in, 0) * bt_tensor_scale(wf, 0) / bt_tensor_scale(st, 0);
  float ts = bt_tensor_scale(st, 0) * bt_tensor_scale(wt, 0) / bt_tensor_scale(out, 0);
  bt_quantize_multiplier((double)fs, &d->m1, &d->s1);
  bt_quantize_multiplier((double)ts, &d->m2, &d->s2);
  d->in_zp = bt_tensor_zero_point(in, 0);
  d->out_zp = bt_tensor_zero_point(out, 0);
  d->st_zp = bt_tensor_zero_point(st, 0);
  /* The state starts at its zero point: bt_interp_reset() (as TFLM's
   * ResetVariableTensors) fills int8 variables with their zero point. */
  bt_status s = bt_request_scratch(c, (size_t)d->batch * (size_t)(d->filter + d->unit) * sizeof(int32_t),
                                   &d->scratch);
  return s;
}

static bt_status eval(bt_ctx *c) {
  const svdf_data *d = bt_op_data(c);
  bt_tensor *in = bt_input(c, 0), *wf = bt_input(c, 1), *wt = bt_input(c, 2);
  bt_tensor *bias = bt_input(c, 3), *st = bt_input(c, 4);
  int8_t *y = bt_output(c, 0)->data;
  const int8_t *x = in->data, *wfd = wf->data;
  int32_t *filt = bt_scratch(c, d->scratch);        /* batch x filter */
  int32_t *acc = filt + d->batch * d->filter;         /* batch x unit */
  const int32_t n_state = d->batch * d->filter * d->memory;
  const int32_t smin = d->wide ? -32768 : -128, smax = d->wide ? 32767 : 127;

  /* 1) shift the whole state left by one element (oldest value drops out;
   *    the last column of every filter is overwritten below). */
  if (d->wide) {
    int16_t *s = st->data;
    memmove(s, s + 1, (size_t)(n_state - 1) * sizeof *s);
  } else {
    int8_t *s = st->data;
    memmove(s, s + 1, (size_t)(n_state - 1));
  }
  /* 2) feature matmul into the newest state column. The golden TFLM clamps
   *    the rescaled value to the state type's range FIRST and adds the zero
   *    point after, so the stored value wraps (e.g. 148 -> -108 in int8);
   *    reproduced on purpose (newer TFLM sources add the zero point first). */
  for (int32_t b = 0; b < d->batch; b++) {
    const int8_t *w = wfd;
    for (int32_t r = 0; r < d->filter; r++) {
      int32_t dot = 0;
      const int8_t *xv = x + b * d->input;
      for (int32_t k = 0; k < d->input; k++) dot += (int32_t)w[k] * ((int32_t)xv[k] - d->in_zp);
      w += d->input;
      int32_t v = d->st_zp + bt_clamp_i32(bt_mbqm(dot, d->m1, d->s1), smin, smax);
      /* two's complement wrap to the state type, without implementation-defined casts */
      v = d->wide ? (int32_t)(((uint32_t)v + 32768u) & 0xFFFFu) - 32768
                  : (int32_t)(((uint32_t)v + 128u) & 0xFFu) - 128;
      int32_t pos = (b * d->filter + r) * d->memory + d->memory - 1;
      if (d->wide) ((int16_t *)st->data)[pos] = (int16_t)v;
      else ((int8_t *)st->data)[pos] = (int8_t)v;
    }
  }
  /* 3) time: per filter, dot(state row, time weights row). */
  for (int32_t b = 0; b < d->batch; b++) {
    for (int32_t f = 0; f < d->filter; f++) {
      /* int32 accumulation as in TFLM; with int16 state it can overflow, so
       * accumulate modulo 2^32 (what TFLM's int32 does in practice) without UB. */
      uint32_t sum = 0;
      int32_t base = (b * d->filter + f) * d->memory;
      if (d->wide) {
        const int16_t *s = (const int16_t *)st->data + base, *w = (const int16_t *)wt->data + f * d->memory;
        for (int32_t j = 0; j < d->memory; j++) sum += (uint32_t)((int64_t)w[j] * ((int32_t)s[j] - d->st_zp));
      } else {
        const int8_t *s = (const int8_t *)st->data + base, *w = (const int8_t *)wt->data + f * d->memory;
        for (int32_t j = 0; j < d->memory; j++) sum += (uint32_t)((int32_t)w[j] * ((int32_t)s[j] - d->st_zp));
      }
      filt[b * d->filter + f] = (int32_t)sum;
    }
  }
  /* 4) bias + rank reduction, 5) requantize to int8. */
  for (int32_t b = 0; b < d->batch; b++) {
    for (int32_t u = 0; u < d->unit; u++) {
      int32_t v = bias ? ((const int32_t *)bias->data)[u] : 0;
      /* Wrapping adds like every other kernel's bias add (fuzz: INT32_MIN bias was UB). */
      for (int32_t r = 0; r < d->rank; r++) v = bt_wadd(v, filt[b * d->filter + u * d->rank + r]);
      acc[b * d->unit + u] = v;
    }
  }
  for (int32_t i = 0; i < d->batch * d->unit; i++) {
    int32_t v = bt_wadd(bt_mbqm(acc[i], d->m2, d->s2), d->out_zp);
    y[i] = (int8_t)bt_clamp_i32(v, -128, 127);
  }
  return BT_OK;
}

const bt_op_reg bt_op_svdf = {BT_BUILTIN_SVDF, "SVDF", prepare, eval};
