/* Building blocks of the front end, shared between its source files and its tests. */
#ifndef BT_FE_INTERNAL_H
#define BT_FE_INTERNAL_H

#include <stdint.h>

#include "bt/frontend.h"

/* Two's-complement narrowing, as the reference's int16 stores do (GCC/Clang/armcc define the
 * conversion as modulo 2^16). */
static inline int16_t fe_wrap16(int32_t v) { return (int16_t)v; }

/* Arithmetic (flooring) right shift, spelled out so it does not rest on
 * implementation-defined >> of negative values. */
static inline int32_t fe_asr32(int32_t v, int s) { return v >= 0 ? v >> s : ~(~v >> s); }
static inline int64_t fe_asr64(int64_t v, int s) { return v >= 0 ? v >> s : ~(~v >> s); }

/* Bit length of x (1-based index of the top set bit); the reference returns 32/64 for 0. */
uint32_t fe_msb32(uint32_t x);
uint32_t fe_msb64(uint64_t x);

uint16_t fe_sqrt32(uint32_t x);
uint32_t fe_sqrt64(uint64_t x);
/* Natural log of x scaled by out_scale, fixed point (x > 1). */
uint32_t fe_log32(uint32_t x, uint32_t out_scale);
/* PCAN gain from the noise estimate, by piecewise-quadratic LUT. */
int16_t fe_pcan_gain(uint32_t noise, const int16_t *lut);
uint32_t fe_pcan_shrink(uint32_t snr);

/* 512-point real FFT of in[] (fixed point, 1/512 overall scaling as the reference);
 * work holds 256 complex values; out gets bins 0..256 and may alias in[]. */
void fe_rfft512(const int16_t *in, bt_frontend_cpx work[BT_FRONTEND_FFT_LEN / 2],
                bt_frontend_cpx *out);

#endif
