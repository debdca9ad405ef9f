/* Shared by FULLY_CONNECTED's ref and dsp variants (kernels/ref/
 * fully_connected_common.c): validation and requantization parameters
 * computed once in prepare, the float path, and the int8 reference loop
 * (also the dsp fallback). */
#ifndef BT_FULLY_CONNECTED_COMMON_H
#define BT_FULLY_CONNECTED_COMMON_H
#include <stdint.h>
#include "bt/op.h"
#include "bt/quant.h"

typedef struct bt_fc_data {
  int32_t mult;          /* per-tensor multiplier / shift */
  int32_t shift;
  int32_t *ch_mult;      /* per-channel (NULL when per-tensor) */
  int32_t *ch_shift;
  int32_t in_offset, filter_offset, out_offset;
  int32_t act_min, act_max;
  int32_t batches, accum_depth, out_depth;
  int32_t is_float;
  float fmin, fmax;      /* float path activation range */
} bt_fc_data;

/* Full prepare (int8 or float32): validates, allocates op data
 * (bt_op_data_alloc) and the per-channel arrays; *out = the op data. */
bt_status bt_fc_prepare(bt_ctx *c, bt_fc_data **out);

/* float32 eval (TFLM reference_ops order of summation). */
bt_status bt_fc_eval_float(bt_ctx *c, const bt_fc_data *d);

/* int8 reference loop: y[b][o] for every batch/output. */
void bt_fc_ref_eval(const bt_fc_data *d, const int8_t *x, const int8_t *w, const int32_t *bias,
                    int8_t *y);

/* Bias already added: requantize, output zero point, clamp (TFLM epilogue). */
static inline int8_t bt_fc_requant(const bt_fc_data *d, int32_t acc, int32_t o) {
  acc = d->ch_mult ? bt_mbqm(acc, d->ch_mult[o], d->ch_shift[o]) : bt_mbqm(acc, d->mult, d->shift);
  acc = bt_wadd(acc, d->out_offset);
  return (int8_t)bt_clamp_i32(acc, d->act_min, d->act_max);
}

#endif
