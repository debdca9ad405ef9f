/* Fixed-point arithmetic equal, bit for bit, to TFLM's reference kernels
 * (tflite/kernels/internal/common.h + gemmlowp fixedpoint). Written from the
 * documented semantics; the tests compare against the tflite-micro wheel.
 * All shifts/overflows that are UB in C are done on uint32/int64 instead. */
#ifndef BT_QUANT_H
#define BT_QUANT_H
#include <stdint.h>
#include "bt/status.h"
#include "bt/tensor.h"

/* ---- multiplier derivation (prepare time, uses double; no libm) ------ */
/* m = q * 2^(shift-31), q in [2^30, 2^31); m == 0 -> q = 0, shift = 0. */
void bt_quantize_multiplier(double m, int32_t *q, int *shift);
/* Same, m > 1 expected: shift >= 0 (returns BT_ERR_QUANT otherwise). */
bt_status bt_quantize_multiplier_gt_one(double m, int32_t *q, int *left_shift);
/* TFLM's QuantizeMultiplierSmallerThanOneExp: shift <= 0. */
bt_status bt_quantize_multiplier_lt_one(double m, int32_t *q, int *shift);
/* frexp / std::round equivalents (no libm on the board side). */
double bt_frexp(double x, int *exp);
double bt_round(double x);        /* half away from zero */
float bt_roundf(float x);         /* half away from zero, like std::round(float) */

/* ---- gemmlowp-style primitives ----------------------------------------- */
int32_t bt_srdhm(int32_t a, int32_t b);           /* SaturatingRoundingDoublingHighMul */
int32_t bt_rdbpot(int32_t x, int exponent);       /* RoundingDivideByPOT, exponent 0..31 */
int32_t bt_sat_shl(int32_t x, int exponent);      /* SaturatingRoundingMultiplyByPOT<+e> */
int32_t bt_rounding_half_sum(int32_t a, int32_t b);
/* TFLM reference MultiplyByQuantizedMultiplier (double rounding). */
int32_t bt_mbqm(int32_t x, int32_t q, int shift);
int32_t bt_mbqm_gt_one(int32_t x, int32_t q, int left_shift);
int32_t bt_mbqm_lt_one(int32_t x, int32_t q, int shift);   /* shift <= 0 */
/* int64 input variant (TFLM MultiplyByQuantizedMultiplier(int64_t,...)), for int16 kernels. */
int32_t bt_mbqm64(int64_t x, int32_t q, int shift);

/* ---- gemmlowp fixed-point transcendental functions ---------------------
 * Raw Q formats: "F<n>" = int32 with n integer bits, 31-n fractional. */
/* exp(a) for a <= 0; a in F<int_bits>, result F0. */
int32_t bt_exp_on_negative_values(int32_t a, int int_bits);
/* exp on [-1/4, 0): a in F0, result F0. */
int32_t bt_exp_on_interval_neg_quarter_0(int32_t a);
/* 1/(1+x) for x in [0,1): F0 -> F0. */
int32_t bt_one_over_one_plus_x(int32_t a);
/* TFLM GetReciprocal: x in F<x_int_digits> -> F0 with *num_bits_over_unit. */
int32_t bt_get_reciprocal(int32_t x, int x_int_digits, int *num_bits_over_unit);
/* tanh / logistic: a in F<int_bits> -> F0 (gemmlowp tanh / logistic). */
int32_t bt_fx_tanh(int32_t a, int int_bits);
int32_t bt_fx_logistic(int32_t a, int int_bits);
int bt_clz32(uint32_t x);                        /* 32 for 0 */

/* ---- softmax helpers (TFLM PreprocessSoftmaxScaling / CalculateInputRadius) */
void bt_preprocess_softmax_scaling(double beta, double input_scale, int int_bits,
                                   int32_t *q, int *left_shift);
int bt_calculate_input_radius(int int_bits, int left_shift, int total_signed_bits);

/* ---- tensor-level helpers ----------------------------------------------- */
/* TFLM CalculateActivationRangeQuantized for out's type (int8/int16/uint8). */
bt_status bt_act_range_q(int act, const bt_tensor *out, int32_t *act_min, int32_t *act_max);
/* input_scale * filter_scale / output_scale as TFLM computes it
 * (GetQuantizedConvolutionMultipler), per-tensor. */
double bt_conv_multiplier(const bt_tensor *in, const bt_tensor *filter, const bt_tensor *out);

/* Wrapping add: what TFLM's int32 accumulators do on overflow, without C UB
 * (only reachable with corrupted models). */
static inline int32_t bt_wadd(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

/* Zero point valid for the element type (int8/uint8/int16)? */
int bt_zp_ok(const bt_tensor *t);

static inline int32_t bt_clamp_i32(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

#endif
