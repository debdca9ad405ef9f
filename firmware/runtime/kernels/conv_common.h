/* Shared by CONV_2D and DEPTHWISE_CONV_2D, ref and dsp variants: validation,
 * TFLM padding/output-size arithmetic and per-channel requantization
 * parameters, all computed once in prepare (kernels/ref/conv_common.c). */
#ifndef BT_CONV_COMMON_H
#define BT_CONV_COMMON_H
#include <stdint.h>
#include "bt/op.h"
#include "bt/quant.h"

typedef struct bt_conv_data {
  /* shapes (NHWC; filter OHWI for conv, 1HWO for depthwise) */
  int32_t batches, in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t filter_in_c;            /* conv: in_c / groups; depthwise: 1 */
  int32_t depth_mult;             /* depthwise only */
  /* small by validation (effective filter extent and stride <= 0xFFFF):
   * packed to keep per-node persistent memory below TFLM's */
  uint16_t k_h, k_w, stride_h, stride_w, dil_h, dil_w;
  uint16_t pad_h, pad_w;          /* TFLM padding (its odd "offset" is unused) */
  int16_t in_offset, out_offset;  /* -input zp, +output zp */
  int16_t act_min, act_max;
  int16_t scratch_idx;            /* dsp variants: im2col buffer, -1 = none */
  int16_t flags;                  /* dsp variants: fast-path selection */
  int32_t *mult;                  /* per output channel */
  int8_t *shift;                  /* per output channel, in [-31, 30]: int8 saves 3 B/channel */
} bt_conv_data;

enum { BT_CONV_KIND_CONV = 0, BT_CONV_KIND_DEPTHWISE = 1 };

/* TFLite ComputeOutSize / ComputePaddingWithOffset (padding: 0 SAME, 1 VALID). */
int32_t bt_conv_out_size(int padding, int32_t in, int32_t filt, int32_t stride, int32_t dil);
int32_t bt_conv_padding(int32_t stride, int32_t dil, int32_t in, int32_t filt, int32_t out);

/* Full prepare of CONV_2D / DEPTHWISE_CONV_2D: validates, allocates op data
 * (bt_op_data_alloc) and the per-channel arrays, fills everything.
 * *out receives the op data (scratch_idx = -1, flags = 0). */
bt_status bt_conv_prepare(bt_ctx *c, int kind, bt_conv_data **out);

/* Wrapping int32 add: TFLM accumulates in int32 relying on two's complement;
 * doing it on uint32 gives the same bits without C signed-overflow UB. */
static inline int32_t bt_wadd32(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* Bias, requantize, add output zero point, clamp: the TFLM epilogue. */
static inline int8_t bt_conv_requant(const bt_conv_data *d, int32_t acc, int32_t oc) {
  int32_t v = bt_mbqm(acc, d->mult[oc], (int)d->shift[oc]);
  v = bt_wadd32(v, d->out_offset);
  return (int8_t)bt_clamp_i32(v, d->act_min, d->act_max);
}

/* Reference loops (kernels/ref/conv_common.c), also the dsp fallbacks. */
void bt_conv_ref_eval(const bt_conv_data *d, const int8_t *in, const int8_t *filter,
                      const int32_t *bias, int8_t *out);
void bt_depthwise_ref_eval(const bt_conv_data *d, const int8_t *in, const int8_t *filter,
                           const int32_t *bias, int8_t *out);

/* Pooling/activation helper shared by conv-like ops: TFLM
 * CalculateActivationRangeQuantized, where TANH/SIGN_BIT (which TFLM's
 * range helper does not special-case) mean "no clamp beyond the type". */
bt_status bt_conv_act_range(bt_ctx *c, int act, const bt_tensor *out, int32_t *mn, int32_t *mx);

#endif
