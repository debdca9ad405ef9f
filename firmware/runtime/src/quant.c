/* TFLM/gemmlowp fixed point, bit-exact. Signed overflow is avoided by doing
 * wrapping adds/shifts on uint32_t (TFLM relies on two's complement too). */
#include <string.h>
#include "bt/quant.h"
#include "bt/model.h"

/* Init-time helpers (called from kernels' prepare, never per element) are BT_COLD
 * (bt/status.h): GCC optimises them for size while the per-element helpers stay -O2. */

static int32_t wadd(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static int32_t wsub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

BT_COLD double bt_frexp(double x, int *e) {
  uint64_t b;
  memcpy(&b, &x, 8);
  int ex = (int)((b >> 52) & 0x7ff);
  *e = 0;
  if (x == 0.0 || ex == 0x7ff) return x;          /* 0, inf, nan */
  if (ex == 0) {                                   /* subnormal: scale up first */
    x *= 18014398509481984.0;                      /* 2^54 */
    memcpy(&b, &x, 8);
    ex = (int)((b >> 52) & 0x7ff) - 54;
  }
  *e = ex - 1022;
  b = (b & ~(0x7ffULL << 52)) | (1022ULL << 52);   /* mantissa in [0.5, 1) */
  memcpy(&x, &b, 8);
  return x;
}

/* Half away from zero on the bits (no soft-double arithmetic on the M4): add half an
 * integer unit to the magnitude and clear the fraction bits; a carry out of the
 * fraction moves into the exponent, which is the correct result (1.5 -> 2.0). */
BT_COLD double bt_round(double x) {
  uint64_t b;
  memcpy(&b, &x, 8);
  int e = (int)((b >> 52) & 0x7ff) - 1023;        /* unbiased exponent */
  if (e >= 52) return x;                           /* integral, inf or NaN */
  if (e < 0) {                                     /* |x| < 1: 0 or 1, sign kept */
    b &= 1ULL << 63;
    if (e == -1) b |= 1023ULL << 52;               /* 0.5 <= |x| < 1 -> 1 */
  } else {
    b += 1ULL << (51 - e);                         /* + 0.5 */
    b &= ~((1ULL << (52 - e)) - 1);                /* drop the fraction */
  }
  memcpy(&x, &b, 8);
  return x;
}

float bt_roundf(float x) { return (float)bt_round((double)x); }

BT_COLD void bt_quantize_multiplier(double m, int32_t *q, int *shift) {
  /* 0, negative, NaN and inf only come from corrupted scales: neutralise. */
  if (!(m > 0.0) || m > 1e300) { *q = 0; *shift = 0; return; }
  int s;
  double f = bt_frexp(m, &s);
  int64_t qf = (int64_t)bt_round(f * 2147483648.0);
  if (qf == 2147483648LL) { qf /= 2; s++; }
  if (s < -31) { s = 0; qf = 0; }
  if (s > 30) { s = 30; qf = 0x7FFFFFFF; }   /* beyond any real model; keeps shifts defined */
  *q = (int32_t)qf;
  *shift = s;
}

BT_COLD bt_status bt_quantize_multiplier_gt_one(double m, int32_t *q, int *left_shift) {
  bt_quantize_multiplier(m, q, left_shift);
  return *left_shift >= 0 ? BT_OK : BT_ERR_QUANT;
}

BT_COLD bt_status bt_quantize_multiplier_lt_one(double m, int32_t *q, int *shift) {
  bt_quantize_multiplier(m, q, shift);
  return *shift <= 0 ? BT_OK : BT_ERR_QUANT;
}

int32_t bt_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return (int32_t)((ab + nudge) / (1LL << 31));
}

int32_t bt_rdbpot(int32_t x, int e) {
  if (e <= 0) return x;
  if (e > 31) e = 31;
  int32_t mask = (int32_t)((1ULL << e) - 1);
  int32_t rem = x & mask;
  int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > thr ? 1 : 0);
}

int32_t bt_sat_shl(int32_t x, int e) {
  if (e <= 0) return bt_rdbpot(x, -e);
  if (e >= 31) return x > 0 ? INT32_MAX : (x < 0 ? INT32_MIN : 0);
  int32_t thr = (int32_t)((1u << (31 - e)) - 1);
  if (x > thr) return INT32_MAX;
  if (x < -thr) return INT32_MIN;
  return (int32_t)((uint32_t)x << e);
}

int32_t bt_rounding_half_sum(int32_t a, int32_t b) {
  int64_t s = (int64_t)a + b;
  int64_t sign = s >= 0 ? 1 : -1;
  return (int32_t)((s + sign) / 2);
}

int32_t bt_mbqm(int32_t x, int32_t q, int shift) {
  int ls = shift > 0 ? shift : 0;
  int rs = shift > 0 ? 0 : -shift;
  return bt_rdbpot(bt_srdhm((int32_t)((uint32_t)x << ls), q), rs);
}

int32_t bt_mbqm_gt_one(int32_t x, int32_t q, int left_shift) {
  return bt_srdhm((int32_t)((uint32_t)x << left_shift), q);
}

int32_t bt_mbqm_lt_one(int32_t x, int32_t q, int shift) {
  return bt_rdbpot(bt_srdhm(x, q), -shift);
}

int32_t bt_mbqm64(int64_t x, int32_t q, int shift) {
  /* TFLM reference int64 variant: round the 31-bit multiplier to 16 bits. */
  int32_t reduced = q < 0x7FFF0000 ? ((q + (1 << 15)) >> 16) : 0x7FFF;
  int total = 15 - shift;
  int64_t r = x * (int64_t)reduced;
  r = (r >> (total - 1)) + 1;
  return (int32_t)(r >> 1);
}

int bt_clz32(uint32_t x) {
  if (!x) return 32;
  int n = 0;
  while (!(x & 0x80000000u)) { x <<= 1; n++; }
  return n;
}

/* ---- gemmlowp transcendental functions ------------------------------- */
/* Per element, but only in softmax / int8 tanh / logistic, which run over a few
 * hundred values at most per invoke: size beats -O2's inlined srdhm chains here. */
#if defined(__GNUC__) && !defined(__clang__)
#define BT_OS __attribute__((optimize("Os")))
#else
#define BT_OS
#endif

BT_OS int32_t bt_exp_on_interval_neg_quarter_0(int32_t a) {
  const int32_t constant_term = 1895147668;      /* exp(-1/8) in F0 */
  const int32_t constant_1_over_3 = 715827883;
  int32_t x = wadd(a, 1 << 28);                  /* a + 1/8 */
  int32_t x2 = bt_srdhm(x, x);
  int32_t x3 = bt_srdhm(x2, x);
  int32_t x4 = bt_srdhm(x2, x2);
  int32_t x4_over_4 = bt_rdbpot(x4, 2);
  int32_t poly = bt_rdbpot(wadd(bt_srdhm(wadd(x4_over_4, x3), constant_1_over_3), x2), 1);
  return wadd(constant_term, bt_srdhm(constant_term, wadd(x, poly)));
}

BT_OS int32_t bt_exp_on_negative_values(int32_t a, int int_bits) {
  static const int32_t mult[7] = {1672461947, 1302514674, 790015084, 290630308,
                                  39332535, 720401, 242};
  const int frac = 31 - int_bits;
  const int32_t one_quarter = (int32_t)(1u << (frac - 2));
  const int32_t mask = one_quarter - 1;
  int32_t a_mod_q_minus_q = wsub(a & mask, one_quarter);
  /* Rescale F<int_bits> -> F0: saturating left shift by int_bits. */
  int32_t result = bt_exp_on_interval_neg_quarter_0(bt_sat_shl(a_mod_q_minus_q, int_bits));
  int32_t remainder = wsub(a_mod_q_minus_q, a);
  for (int e = -2; e <= 4; e++) {
    if (int_bits > e) {
      int sh = frac + e;
      if (sh >= 0 && sh < 32 && (remainder & (int32_t)(1u << sh)))
        result = bt_srdhm(result, mult[e + 2]);
    }
  }
  if (int_bits > 5) {
    int clamp_b = 36 - int_bits;
    int32_t clamp = -(int32_t)(1u << clamp_b);    /* -32.0 */
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

BT_OS int32_t bt_one_over_one_plus_x(int32_t a) {
  /* Newton-Raphson in F2. */
  int32_t half_den = bt_rounding_half_sum(a, INT32_MAX);
  const int32_t c48_17 = 1515870810, cneg32_17 = -1010580540;
  const int32_t one_f2 = 1 << 29;
  int32_t x = wadd(c48_17, bt_srdhm(half_den, cneg32_17));
  for (int i = 0; i < 3; i++) {
    int32_t hdx = bt_srdhm(half_den, x);
    int32_t one_minus = wsub(one_f2, hdx);
    x = wadd(x, bt_sat_shl(bt_srdhm(x, one_minus), 2));
  }
  return bt_sat_shl(x, 1);  /* ExactMulByPot<-1> then Rescale<0> from F1 */
}

BT_OS int32_t bt_get_reciprocal(int32_t x, int x_int_digits, int *num_bits_over_unit) {
  int headroom_plus_one = bt_clz32((uint32_t)x);
  *num_bits_over_unit = x_int_digits - headroom_plus_one;
  int32_t shifted_minus_one =
      (int32_t)(((uint32_t)x << headroom_plus_one) - (1u << 31));
  return bt_one_over_one_plus_x(shifted_minus_one);
}

/* gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: F0 -> F0 */
BT_OS static int32_t one_minus_x_over_one_plus_x(int32_t a) {
  int32_t half_den = bt_rounding_half_sum(a, INT32_MAX);
  const int32_t c48_17 = 1515870810, cneg32_17 = -1010580540;
  const int32_t one_f2 = 1 << 29;
  int32_t x = wadd(c48_17, bt_srdhm(half_den, cneg32_17));
  for (int i = 0; i < 3; i++) {
    int32_t hdx = bt_srdhm(half_den, x);
    int32_t one_minus = wsub(one_f2, hdx);
    x = wadd(x, bt_sat_shl(bt_srdhm(x, one_minus), 2));
  }
  /* Rescale<0>(x - F2::One()) */
  return bt_sat_shl(wsub(x, one_f2), 2);
}

int32_t bt_fx_tanh(int32_t a, int int_bits) {
  /* gemmlowp tanh: n = -|a| seen as F<int_bits+1> (ExactMulByPot<1>). */
  int32_t n = a < 0 ? a : wsub(0, a);
  int32_t t = one_minus_x_over_one_plus_x(bt_exp_on_negative_values(n, int_bits + 1));
  if (a == 0) return 0;
  return a < 0 ? wsub(0, t) : t;
}

int32_t bt_fx_logistic(int32_t a, int int_bits) {
  int32_t n = a > 0 ? wsub(0, a) : a;               /* -|a| */
  int32_t pos = bt_one_over_one_plus_x(bt_exp_on_negative_values(n, int_bits));
  if (a == 0) return 1 << 30;                       /* one half */
  return a > 0 ? pos : wsub(INT32_MAX, pos);
}

BT_COLD void bt_preprocess_softmax_scaling(double beta, double input_scale, int int_bits,
                                           int32_t *q, int *left_shift) {
  double m = beta * input_scale * (double)(1LL << (31 - int_bits));
  const double cap = (double)((1LL << 31) - 1);
  if (m > cap) m = cap;
  bt_quantize_multiplier(m, q, left_shift);
}

BT_COLD int bt_calculate_input_radius(int int_bits, int left_shift, int total_signed_bits) {
  /* TFLM: floor((2^int_bits - 1) * 2^(total_signed_bits - int_bits) / 2^left_shift),
   * taken in double there -- exact, as every factor is a power of two or a small
   * integer -- so the same value in integers. left_shift < 0 comes from a tiny input
   * scale and the result can exceed int (found by firmware/fuzz): clamped to
   * INT32_MAX as before (left_shift was clamped to +-62, which changes nothing
   * here: the result is 0 resp. saturated long before). */
  uint64_t v = (1ULL << int_bits) - 1;
  int p = total_signed_bits - int_bits - left_shift;   /* power of two to apply */
  if (p < 0 || !v) return -p >= 63 || !v ? 0 : (int)(v >> -p);
  if (p >= 32 || v > (uint64_t)INT32_MAX >> p) return INT32_MAX;
  return (int)(v << p);
}

BT_COLD int bt_zp_ok(const bt_tensor *t) {
  int64_t lo, hi;
  switch (t->type) {
    case BT_INT8: lo = -128; hi = 127; break;
    case BT_UINT8: lo = 0; hi = 255; break;
    case BT_INT16: lo = -32768; hi = 32767; break;
    default: lo = INT32_MIN; hi = INT32_MAX; break;
  }
  for (int i = 0; i < (t->q_count ? t->q_count : 1); i++) {
    int64_t z = bt_tensor_zero_point64(t, i);
    if (z < lo || z > hi) return 0;
  }
  return 1;
}

/* zp + round(v / scale), saturated: a tiny scale gives inf, which is UB to
 * convert to int (found by firmware/fuzz). Same value as before otherwise. */
BT_COLD static int32_t act_q(float v, float scale, int32_t zp) {
  float r = bt_roundf(v / scale);
  int64_t q = r != r ? 0 : r >= 2147483648.0f ? INT32_MAX : r < -2147483648.0f ? INT32_MIN : (int64_t)r;
  q += zp;
  return (int32_t)(q > INT32_MAX ? INT32_MAX : q < INT32_MIN ? INT32_MIN : q);
}

BT_COLD bt_status bt_act_range_q(int act, const bt_tensor *out, int32_t *mn, int32_t *mx) {
  int32_t qmin, qmax;
  switch (out->type) {
    case BT_INT8: qmin = -128; qmax = 127; break;
    case BT_UINT8: qmin = 0; qmax = 255; break;
    case BT_INT16: qmin = -32768; qmax = 32767; break;
    default: return BT_ERR_UNSUPPORTED_TYPE;
  }
  float scale = bt_tensor_scale(out, 0);
  int32_t zp = bt_tensor_zero_point(out, 0);
  if (!(scale > 0.0f)) return BT_ERR_QUANT;
  /* NONE, RELU, RELU_N1_TO_1, RELU6: the real bounds (NB = none), quantized. */
  enum { NB = 99 };
  static const signed char lo[4] = {NB, 0, -1, 0}, hi[4] = {NB, NB, 1, 6};
  if (act < 0 || act > 3) return BT_ERR_UNSUPPORTED_TYPE;
  if (lo[act] != NB) {
    int32_t v = act_q((float)lo[act], scale, zp);
    qmin = v > qmin ? v : qmin;
  }
  if (hi[act] != NB) {
    int32_t v = act_q((float)hi[act], scale, zp);
    qmax = v < qmax ? v : qmax;
  }
  *mn = qmin;
  *mx = qmax;
  return BT_OK;
}

BT_COLD double bt_conv_multiplier(const bt_tensor *in, const bt_tensor *filter, const bt_tensor *out) {
  /* TFLM: static_cast<double>(input_scale * filter_scale) / output_scale,
   * i.e. the product is taken in float. */
  float prod = bt_tensor_scale(in, 0) * bt_tensor_scale(filter, 0);
  return (double)prod / (double)bt_tensor_scale(out, 0);
}
