/* Requantization for the dsp kernels: the same function as bt_mbqm (TFLM's
 * reference MultiplyByQuantizedMultiplier, two roundings) in a form the
 * compiler inlines into a handful of instructions (SMULL + add + shifts)
 * instead of three cross-file calls with a 64-bit division. Identities used:
 *  - SaturatingRoundingDoublingHighMul(a, b) = (a*b + 2^30) >> 31 (arithmetic
 *    shift) for every a, b except a = b = INT32_MIN: for a*b < 0 TFLM's
 *    trunc((a*b + 1 - 2^30) / 2^31) equals floor((a*b + 2^30) / 2^31);
 *  - RoundingDivideByPOT is TFLM's own mask/threshold form, inlined.
 * Checked against bt_mbqm on random operands by tests/runtime/test_conv_dsp_arm.py
 * and, through the kernels, against TFLM by the host tests. */
#ifndef BT_DSP_REQUANT_H
#define BT_DSP_REQUANT_H
#include <stdint.h>
#include "conv_common.h"

static inline int32_t bt_dsp_mbqm(int32_t x, int32_t q, int shift) {
  const int ls = shift > 0 ? shift : 0, rs = shift > 0 ? 0 : (shift < -31 ? 31 : -shift);
  const int32_t a = (int32_t)((uint32_t)x << ls);
  int32_t hi;
  if (a == INT32_MIN && q == INT32_MIN) hi = INT32_MAX;
  else hi = (int32_t)(((int64_t)a * q + (INT64_C(1) << 30)) >> 31);
  const int32_t mask = (int32_t)((UINT32_C(1) << rs) - 1u);
  return (hi >> rs) + ((hi & mask) > (mask >> 1) + (hi < 0));
}

/* bt_conv_requant with bt_dsp_mbqm */
static inline int8_t bt_dsp_requant(const bt_conv_data *d, int32_t acc, int32_t oc) {
  int32_t v = bt_wadd32(bt_dsp_mbqm(acc, d->mult[oc], d->shift[oc]), d->out_offset);
  return (int8_t)(v < d->act_min ? d->act_min : (v > d->act_max ? d->act_max : v));
}

#endif
