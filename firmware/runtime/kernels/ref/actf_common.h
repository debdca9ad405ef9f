/* float32 activations exactly as the tflite-micro reference kernels compute
 * them on the golden host (TFLM calls std::exp / std::tanh on float, i.e. the
 * C library's expf / tanhf): our own copies of those two libm algorithms, so
 * the result does not depend on the target's libm (newlib on Cortex-M4F takes
 * a different, float-only expf). Checked bit for bit against the host glibc
 * (2.36, x86-64) on every float input: tanhf all equal; expf all equal (the
 * glibc FMA variant's results, see actf_common.c). Internal to kernels/ref. */
#ifndef BT_KERNELS_REF_ACTF_COMMON_H
#define BT_KERNELS_REF_ACTF_COMMON_H

#include <stdint.h>

/* expf: the table-driven algorithm of ARM optimized-routines (glibc/newlib
 * expf, EXP2F_TABLE_BITS 5, cubic polynomial), evaluated in double. */
float bt_expf(float x);

/* tanhf: the fdlibm single-precision tanhf (via expm1f), float only. */
float bt_tanhf(float x);

/* reference_ops::Logistic (float): 1 above 16.619047, expf(x) below -9,
 * else 1 / (1 + expf(-x)). */
float bt_logisticf(float x);

/* SOFTMAX float32 as TFLM's reference: per row of `depth`, the maximum, then
 * expf((x - max) * beta) summed in input order, then one division per element. */
void bt_softmaxf(const float *x, float *y, int32_t outer, int32_t depth, float beta);


#endif
