/* UNIDIRECTIONAL_SEQUENCE_LSTM, integer 8x8->16 path of TFLM's current LSTM
 * kernel (lstm_eval: standard Keras LSTM, no CIFG/peephole/projection/layer
 * norm): int8 input/hidden state/weights, int32 gate biases, int16 gates in
 * Q3.12 before and Q0.15 after the activations, int16 cell state with a
 * power-of-two scale. Per row and time step:
 *   gate = act(FC(x, W, bias) +sat FC(h, R))   (FC: int8 x int8 -> int16)
 *   c = sat(f*c) +sat (i*g), optional clip;  h = o * tanh(c) -> int8.
 * And the float32 path (TFLM's float reference LSTM, same step order): per
 * gate FC(x, W) + bias and FC(h, R) each clamped to +-FLT_MAX, added, then
 * TFLM's float Logistic / Tanh (libm expf/tanhf, see actf_common.h);
 * c = f*c + i*g, optional clip; h = tanh(c) * o. */
#include <float.h>
#include <string.h>
#include "bt/op.h"
#include "bt/quant.h"
#include "act16_common.h"
#include "actf_common.h"

enum { GATE_I, GATE_F, GATE_C, GATE_O, NGATES };

typedef struct {
  int32_t in_mult, rec_mult;    /* input FC and recurrent FC -> Q3.12 */
  int in_shift, rec_shift;
} gate_q;

/* Shape and scratch, shared by both paths (first member of their op data). */
typedef struct {
  int32_t batch, steps, n_in, n_state;
  int time_major;
  int scratch;
} lstm_shape;

typedef struct {
  lstm_shape s;
  gate_q g[NGATES];
  int32_t in_off, h_off;         /* -zero points of input and hidden state */
  int32_t w_off[NGATES], r_off[NGATES];   /* -zero points of the weights */
  int32_t fc_mult, ig_mult, h_mult;       /* f*c -> c, i*g -> c, o*tanh(c) -> h */
  int fc_shift, ig_shift, h_shift;
  int32_t h_zp;
  int32_t cell_shift;            /* tanh(c): (15 + log2(cell scale)) - 3 */
  int16_t clip;                  /* quantized cell clip, 0 = none */
} lstm_data;

/* Input tensor indices (tflite LSTM layout). */
enum {
  T_IN = 0, T_W_I = 1, T_W_F = 2, T_W_C = 3, T_W_O = 4, T_R_I = 5, T_R_F = 6, T_R_C = 7,
  T_R_O = 8, T_P_I = 9, T_P_F = 10, T_P_O = 11, T_B_I = 12, T_B_F = 13, T_B_C = 14,
  T_B_O = 15, T_PROJ_W = 16, T_PROJ_B = 17, T_H = 18, T_C = 19, T_LN_I = 20, T_LN_F = 21,
  T_LN_C = 22, T_LN_O = 23
};

BT_COLD static double fc_multiplier(const bt_tensor *x, const bt_tensor *w) {
  /* GetQuantizedConvolutionMultipler with the Q3.12 gate as output: the scale
   * product in float, divided as double. */
  float prod = bt_tensor_scale(x, 0) * bt_tensor_scale(w, 0);
  return (double)prod / (double)0.000244140625f;
}

/* ---- float32 ------------------------------------------------------------ */
typedef struct {
  lstm_shape s;
  float clip;                    /* cell clip, 0 = none */
} lstm_fdata;

/* ActivationFunctionWithMinMax(v, lowest, max) of TFLM's float FC/Mul with no
 * fused activation: std::min(std::max(v, -FLT_MAX), FLT_MAX) (inf -> +-FLT_MAX,
 * NaN passes). */
static float clamp_flt(float v) {
  v = v < -FLT_MAX ? -FLT_MAX : v;
  return FLT_MAX < v ? FLT_MAX : v;
}

/* out = act(FC(x, W, bias) + FC(h, R, no bias)), reference_ops::FullyConnected
 * accumulation order (0.0f, then += x[k] * w[k] in k order, then + bias). */
static void gate_float(const lstm_fdata *d, const float *x, const float *hs, const float *w,
                       const float *r, const float *bias, int tanh_act, float *out) {
  for (int32_t u = 0; u < d->s.n_state; u++) {
    const float *wr = w + (size_t)u * (size_t)d->s.n_in;
    float acc = 0.0f;
    for (int32_t k = 0; k < d->s.n_in; k++) acc += x[k] * wr[k];
    const float a = clamp_flt(acc + bias[u]);
    const float *rr = r + (size_t)u * (size_t)d->s.n_state;
    float racc = 0.0f;
    for (int32_t k = 0; k < d->s.n_state; k++) racc += hs[k] * rr[k];
    const float b = clamp_flt(racc + 0.0f);   /* absent recurrent bias: + 0.0f (-0 -> +0) */
    out[u] = a + b;
  }
  if (tanh_act) for (int32_t u = 0; u < d->s.n_state; u++) out[u] = bt_tanhf(out[u]);
  else for (int32_t u = 0; u < d->s.n_state; u++) out[u] = bt_logisticf(out[u]);
}

static bt_status eval_float(bt_ctx *c) {
  const lstm_fdata *d = bt_op_data(c);
  const float *xin = bt_input(c, T_IN)->data;
  float *hst = bt_input(c, T_H)->data;
  float *cst = bt_input(c, T_C)->data;
  float *yout = bt_output(c, 0)->data;
  float *gf = bt_scratch(c, d->s.scratch), *gi = gf + d->s.n_state, *gc = gi + d->s.n_state, *go = gc + d->s.n_state;
  const float *W[NGATES], *R[NGATES], *B[NGATES];
  for (int g = 0; g < NGATES; g++) {
    W[g] = bt_input(c, T_W_I + g)->data;
    R[g] = bt_input(c, T_R_I + g)->data;
    B[g] = bt_input(c, T_B_I + g)->data;
  }
  /* Rows are independent and every step is element-wise per row, so one row
   * at a time equals TFLM's batch-major loop and its time-major batched step. */
  for (int32_t b = 0; b < d->s.batch; b++) {
    float *h = hst + (size_t)b * (size_t)d->s.n_state;
    float *cell = cst + (size_t)b * (size_t)d->s.n_state;
    for (int32_t t = 0; t < d->s.steps; t++) {
      int32_t row = d->s.time_major ? t * d->s.batch + b : b * d->s.steps + t;
      const float *x = xin + (size_t)row * (size_t)d->s.n_in;
      gate_float(d, x, h, W[GATE_F], R[GATE_F], B[GATE_F], 0, gf);
      gate_float(d, x, h, W[GATE_I], R[GATE_I], B[GATE_I], 0, gi);
      gate_float(d, x, h, W[GATE_C], R[GATE_C], B[GATE_C], 1, gc);
      for (int32_t u = 0; u < d->s.n_state; u++) {
        /* UpdateLstmCell: c = Mul(f, c); buf = Mul(i, g); c = c + buf; clip. */
        float v = clamp_flt(gf[u] * cell[u]) + clamp_flt(gi[u] * gc[u]);
        if (d->clip > 0.0f) {
          v = v < d->clip ? v : d->clip;          /* std::min(clip, v) */
          v = v < -d->clip ? -d->clip : v;        /* std::max(., -clip) */
        }
        cell[u] = v;
      }
      /* The output gate reads the hidden state of the previous step. */
      gate_float(d, x, h, W[GATE_O], R[GATE_O], B[GATE_O], 0, go);
      for (int32_t u = 0; u < d->s.n_state; u++) h[u] = clamp_flt(bt_tanhf(cell[u]) * go[u]);
      memcpy(yout + (size_t)row * (size_t)d->s.n_state, h, (size_t)d->s.n_state * sizeof(float));
    }
  }
  return BT_OK;
}

/* ---- prepare (both paths) ------------------------------------------------ */
/* One prepare for the float32 and the int8 path: the structure, shape and gate
 * checks are the same; types, quantization and op data differ. */
BT_COLD static bt_status prepare(bt_ctx *c) {
  if (bt_num_inputs(c) != 24 || bt_num_outputs(c) != 1) return bt_fail(c, BT_ERR_GRAPH, "need 24 inputs, 1 output");
  bt_tensor *in = bt_input(c, T_IN), *h = bt_input(c, T_H), *cs = bt_input(c, T_C), *out = bt_output(c, 0);
  if (!in || !h || !cs || !out) return bt_fail(c, BT_ERR_GRAPH, "missing input/output");
  if (!bt_input(c, T_W_I) || !bt_input(c, T_R_I) || !bt_input(c, T_B_I))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "no CIFG support");
  for (int k = T_P_I; k <= T_P_O; k++)
    if (bt_input(c, k)) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "no peephole support");
  if (bt_input(c, T_PROJ_W) || bt_input(c, T_PROJ_B)) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "no projection support");
  for (int k = T_LN_I; k <= T_LN_O; k++)
    if (bt_input(c, k)) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "no layer norm support");
  /* Types: float32 throughout, or int8 input/state/output with an int16 cell
   * (weights int8, biases int32). */
  const int fl = BT_HAS_FLOAT && in->type == BT_FLOAT32;
  if (!fl && !BT_HAS_QUANT) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "float32 only (BT_QUANT=OFF)");
  const int wt = fl ? BT_FLOAT32 : BT_INT8, bt = fl ? BT_FLOAT32 : BT_INT32;
  if (fl) {
    if (h->type != BT_FLOAT32 || cs->type != BT_FLOAT32 || out->type != BT_FLOAT32)
      return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "float32 input needs float32 states and output");
  } else if (in->type != BT_INT8 || h->type != BT_INT8 || out->type != BT_INT8 || cs->type != BT_INT16) {
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 with int16 cell only");
  }
  if (!(h->flags & BT_TENSOR_VARIABLE) || !(cs->flags & BT_TENSOR_VARIABLE))
    return bt_fail(c, BT_ERR_GRAPH, "states not variable");
  if (bt_opt_u8(c, 0, BT_ACT_TANH) != BT_ACT_TANH)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "activation not TANH");
  if (in->ndims != 3 || out->ndims != 3) return bt_fail(c, BT_ERR_SHAPE, "input/output not 3-D");
  lstm_shape *d = bt_op_data_alloc(c, fl ? sizeof(lstm_fdata) : sizeof(lstm_data));
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->time_major = bt_opt_bool(c, 3, 0);
  d->batch = bt_tensor_dim(in, d->time_major ? 1 : 0);
  d->steps = bt_tensor_dim(in, d->time_major ? 0 : 1);
  d->n_in = bt_tensor_dim(in, 2);
  if (!bt_input(c, T_W_F)) return bt_fail(c, BT_ERR_GRAPH, "missing gate tensor");
  d->n_state = bt_tensor_dim(bt_input(c, T_W_F), 0);
  /* Dims are >= 0: the model reader rejects negative ones. */
  int64_t state_elems = (int64_t)d->batch * d->n_state;   /* int64: both dims may be huge (fuzz) */
  if (bt_tensor_num_elems(h) != state_elems || bt_tensor_num_elems(cs) != state_elems ||
      bt_tensor_dim(out, 0) != bt_tensor_dim(in, 0) || bt_tensor_dim(out, 1) != bt_tensor_dim(in, 1) ||
      bt_tensor_dim(out, 2) != d->n_state)
    return bt_fail(c, BT_ERR_SHAPE, "state/output shape");
  if (!fl && (!in->q_count || !h->q_count || !cs->q_count || !out->q_count))
    return bt_fail(c, BT_ERR_QUANT, "bad quantization");
  lstm_data *q = (lstm_data *)d;
  for (int g = 0; g < NGATES; g++) {
    bt_tensor *w = bt_input(c, T_W_I + g), *r = bt_input(c, T_R_I + g), *b = bt_input(c, T_B_I + g);
    if (!w || !r || !b) return bt_fail(c, BT_ERR_GRAPH, "missing gate tensor");
    if (w->type != wt || r->type != wt || b->type != bt)
      return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, fl ? "float32 weights and biases only (no hybrid)"
                                                    : "weights/bias type");
    if (w->ndims != 2 || r->ndims != 2 ||
        bt_tensor_dim(w, 0) != d->n_state || bt_tensor_dim(w, 1) != d->n_in ||
        bt_tensor_dim(r, 0) != d->n_state || bt_tensor_dim(r, 1) != d->n_state ||
        bt_tensor_num_elems(b) != d->n_state)
      return bt_fail(c, BT_ERR_SHAPE, "gate weight/bias shape");
    if (fl) continue;
    if (!w->q_count || !r->q_count) return bt_fail(c, BT_ERR_QUANT, "bad quantization");
    bt_quantize_multiplier(fc_multiplier(in, w), &q->g[g].in_mult, &q->g[g].in_shift);
    bt_quantize_multiplier(fc_multiplier(h, r), &q->g[g].rec_mult, &q->g[g].rec_shift);
    q->w_off[g] = -bt_tensor_zero_point(w, 0);
    q->r_off[g] = -bt_tensor_zero_point(r, 0);
  }
  float clip = bt_opt_f32(c, 1, 0.0f);
  if (fl) {
    ((lstm_fdata *)d)->clip = clip;   /* TFLM clips only if > 0 (negative/NaN: no clip) */
    /* f, i, g, o gate vectors of one row (TFLM: buffer0..3, batch x n_state each). */
    return bt_request_scratch(c, (size_t)NGATES * (size_t)d->n_state * sizeof(float), &d->scratch);
  }
  q->in_off = -bt_tensor_zero_point(in, 0);
  q->h_off = -bt_tensor_zero_point(h, 0);
  q->h_zp = bt_tensor_zero_point(h, 0);
  int cell_log2;
  float cell_scale = bt_tensor_scale(cs, 0);
  if (!bt_checked_log2(cell_scale, &cell_log2)) return bt_fail(c, BT_ERR_QUANT, "cell scale not 2^n");
  q->cell_shift = 15 + cell_log2 - 3;
  /* bt_tanh16 shifts by it (3 << shift, 1 << (shift - 1)): keep those defined
   * (a corrupted scale gave 120; found by firmware/fuzz). */
  if (q->cell_shift < -30 || q->cell_shift > 29) return bt_fail(c, BT_ERR_QUANT, "cell scale range");
  /* Inter-gate products (scales multiplied in double): gates are Q0.15. */
  const double g15 = 0.000030517578125;
  bt_quantize_multiplier(g15 * (double)cell_scale / (double)cell_scale, &q->fc_mult, &q->fc_shift);
  bt_quantize_multiplier(g15 * g15 / (double)cell_scale, &q->ig_mult, &q->ig_shift);
  bt_quantize_multiplier(g15 * g15 / (double)bt_tensor_scale(h, 0), &q->h_mult, &q->h_shift);
  if (clip < 0.0f) return bt_fail(c, BT_ERR_QUANT, "negative cell clip");
  if (clip > 0.0f) {
    double qc = (double)clip / (double)cell_scale;
    qc = qc < -32768.0 ? -32768.0 : (qc > 32767.0 ? 32767.0 : qc);
    q->clip = (int16_t)qc;          /* truncation, as static_cast<int16_t> */
  }
  /* h starts at its zero point, c at 0: bt_interp_reset() does it, like TFLM. */
  return bt_request_scratch(c, (size_t)NGATES * (size_t)d->n_state * sizeof(int16_t), &d->scratch);
}

/* ---- int8 / int16 --------------------------------------------------------- */
static int16_t sat16(int32_t v) { return (int16_t)bt_clamp_i32(v, -32768, 32767); }

/* out[n_state] = sat16(FC(x) requantized) +sat sat16(FC(h) requantized), then
 * the gate activation. Its two MAC loops are most of an invoke: they start on a
 * 16-byte boundary. The F413's ART fetches 128-bit flash lines, and how the loops
 * straddled them moved trained_lstm_int8's Invoke by ~3 % with unrelated code size
 * changes elsewhere (20 B of padding; the code is otherwise identical). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("align-loops=16")))
#endif
static void gate(const lstm_data *d, int g, const int8_t *x, const int8_t *hs, const int8_t *w,
                 const int8_t *r, const int32_t *bias, int tanh_act, int16_t *out) {
  for (int32_t u = 0; u < d->s.n_state; u++) {
    int32_t acc = 0;
    const int8_t *wr = w + u * d->s.n_in;
    for (int32_t k = 0; k < d->s.n_in; k++) acc += ((int32_t)wr[k] + d->w_off[g]) * ((int32_t)x[k] + d->in_off);
    acc = bt_wadd(acc, bias[u]);   /* wraps like the other kernels' bias adds (fuzz: UB) */
    int32_t a = bt_clamp_i32(bt_mbqm(acc, d->g[g].in_mult, d->g[g].in_shift), -32768, 32767);
    int32_t racc = 0;
    const int8_t *rr = r + u * d->s.n_state;
    for (int32_t k = 0; k < d->s.n_state; k++) racc += ((int32_t)rr[k] + d->r_off[g]) * ((int32_t)hs[k] + d->h_off);
    int32_t b = bt_clamp_i32(bt_mbqm(racc, d->g[g].rec_mult, d->g[g].rec_shift), -32768, 32767);
    out[u] = sat16(a + b);
  }
  /* Gate pre-activations are Q3.12: scale power -12 -> shift 0. */
  if (tanh_act) bt_tanh16(0, 0, d->s.n_state, out, out);
  else bt_logistic16(0, 0, d->s.n_state, out, out);
}

/* The time/row loop and the per-unit cell updates are O(n_state) per step next to
 * gate()'s O(n_state * (n_in + n_state)) products: size-optimised (+0.2 % cycles on
 * trained_lstm_int8 for 164 B), gate() stays -O2. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("Os")))
#endif
static bt_status eval(bt_ctx *c) {
  if (BT_HAS_FLOAT && (!BT_HAS_QUANT || bt_input(c, T_IN)->type == BT_FLOAT32)) return eval_float(c);
  const lstm_data *d = bt_op_data(c);
  const int8_t *xin = bt_input(c, T_IN)->data;
  int8_t *hst = bt_input(c, T_H)->data;
  int16_t *cst = bt_input(c, T_C)->data;
  int8_t *yout = bt_output(c, 0)->data;
  int16_t *gi = bt_scratch(c, d->s.scratch), *gf = gi + d->s.n_state, *gc = gf + d->s.n_state, *go = gc + d->s.n_state;
  const int8_t *W[NGATES], *R[NGATES];
  const int32_t *B[NGATES];
  for (int g = 0; g < NGATES; g++) {
    W[g] = bt_input(c, T_W_I + g)->data;
    R[g] = bt_input(c, T_R_I + g)->data;
    B[g] = bt_input(c, T_B_I + g)->data;
  }
  /* Rows are independent, so batch-major (TFLM: batch outer) and time-major
   * (TFLM: all batches per step) give the same values in this order. */
  for (int32_t b = 0; b < d->s.batch; b++) {
    int8_t *h = hst + b * d->s.n_state;
    int16_t *cell = cst + b * d->s.n_state;
    for (int32_t t = 0; t < d->s.steps; t++) {
      int32_t row = d->s.time_major ? t * d->s.batch + b : b * d->s.steps + t;
      const int8_t *x = xin + (size_t)row * (size_t)d->s.n_in;
      gate(d, GATE_F, x, h, W[GATE_F], R[GATE_F], B[GATE_F], 0, gf);
      gate(d, GATE_I, x, h, W[GATE_I], R[GATE_I], B[GATE_I], 0, gi);
      gate(d, GATE_C, x, h, W[GATE_C], R[GATE_C], B[GATE_C], 1, gc);
      for (int32_t u = 0; u < d->s.n_state; u++) {
        int32_t fcv = bt_clamp_i32(bt_mbqm((int32_t)gf[u] * cell[u], d->fc_mult, d->fc_shift), -32768, 32767);
        int32_t igv = bt_clamp_i32(bt_mbqm((int32_t)gi[u] * gc[u], d->ig_mult, d->ig_shift), -32768, 32767);
        int16_t nc = sat16(fcv + igv);
        if (d->clip > 0) nc = nc > d->clip ? d->clip : (nc < -d->clip ? (int16_t)-d->clip : nc);
        cell[u] = nc;
      }
      /* The output gate reads the hidden state of the previous step. */
      gate(d, GATE_O, x, h, W[GATE_O], R[GATE_O], B[GATE_O], 0, go);
      /* tanh(c) with the cell's own scale (mult 0: power-of-two path). */
      int32_t sh = d->cell_shift, mult = 0;
      if (sh < 0) { sh = -sh; mult = 3; }
      bt_tanh16(mult, sh, d->s.n_state, cell, gi);
      for (int32_t u = 0; u < d->s.n_state; u++) {
        int32_t v = d->h_zp + bt_mbqm((int32_t)gi[u] * go[u], d->h_mult, d->h_shift);
        h[u] = (int8_t)bt_clamp_i32(v, -128, 127);
      }
      memcpy(yout + (size_t)row * (size_t)d->s.n_state, h, (size_t)d->s.n_state);
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_unidirectional_sequence_lstm = {BT_BUILTIN_UNIDIRECTIONAL_SEQUENCE_LSTM,
                                                      "UNIDIRECTIONAL_SEQUENCE_LSTM", prepare, eval};
