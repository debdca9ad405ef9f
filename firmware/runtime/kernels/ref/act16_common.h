/* Shared pieces of the int16 LOGISTIC / TANH paths (also used by the integer
 * LSTM): TFLM's 256-entry sigmoid table with linear interpolation, and
 * TFLM's CheckedLog2. Internal to kernels/ref. */
#ifndef BT_KERNELS_REF_ACT16_COMMON_H
#define BT_KERNELS_REF_ACT16_COMMON_H
#include <stdint.h>

/* sigmoid(i/24) in unsigned Q0.16 (65535 max), i = 0..255. */
extern const uint16_t bt_sigmoid_lut16[256];

/* TFLM reference_integer_ops::Logistic / Tanh for int16 (Q3.12-ish input
 * rescaled by mult/shift, Q0.15 output). mult == 0 means the power-of-two
 * case: the input is multiplied by 3 << shift. */
void bt_act16(int tanh_fn, int32_t mult, int32_t shift, int32_t n, const int16_t *in, int16_t *out);
static inline void bt_logistic16(int32_t mult, int32_t shift, int32_t n, const int16_t *in, int16_t *out) {
  bt_act16(0, mult, shift, n, in, out);
}
static inline void bt_tanh16(int32_t mult, int32_t shift, int32_t n, const int16_t *in, int16_t *out) {
  bt_act16(1, mult, shift, n, in, out);
}

/* TFLM CheckedLog2: *log2 = round(log2(x)); returns 1 if x is a power of two
 * within 1e-3 in the exponent (x > 0). */
int bt_checked_log2(float x, int *log2_rounded);

/* int16 LOGISTIC/TANH prepare (TFLM logistic_common.cc / tanh.cc): input and
 * output zero points 0, output scale 2^-15. max_pot_shift is 0 for LOGISTIC,
 * 1 for TANH (TFLM accepts a POT shift of 0 or 1 for tanh only).
 * Returns 0 on success, -1 if the quantization is not supported. */
int bt_act16_params(float in_scale, float out_scale, int max_pot_shift,
                    int32_t *mult, int32_t *shift);

#endif
