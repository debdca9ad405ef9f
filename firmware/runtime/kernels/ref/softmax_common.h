/* SOFTMAX float32 prepare, shared by the ref and dsp kernels (the dsp set has no
 * SIMD float path and runs the ref's bt_softmaxf). Internal to kernels/. */
#ifndef BT_KERNELS_REF_SOFTMAX_COMMON_H
#define BT_KERNELS_REF_SOFTMAX_COMMON_H

#include "bt/op.h"

/* Checks the tensors and reads beta and the row geometry into the op's data. */
bt_status bt_softmaxf_prepare(bt_ctx *c, const bt_tensor *in, const bt_tensor *out, float *beta,
                              int32_t *depth, int32_t *outer);

#endif
