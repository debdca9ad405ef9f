/* Shared by AVERAGE_POOL_2D and MAX_POOL_2D (kernels/ref/pool_common.c). */
#ifndef BT_POOL_COMMON_H
#define BT_POOL_COMMON_H
#include <stdint.h>
#include "bt/op.h"

typedef struct bt_pool_data {
  int32_t batches, in_h, in_w, depth, out_h, out_w;
  int32_t f_h, f_w, stride_h, stride_w, pad_h, pad_w;
  int32_t act_min, act_max;
} bt_pool_data;

/* Validates int8 NHWC in/out, reads Pool2DOptions, TFLM padding. */
bt_status bt_pool_prepare(bt_ctx *c, bt_pool_data **out);

#endif
