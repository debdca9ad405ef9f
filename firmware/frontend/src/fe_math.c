/* Integer helpers of the front end: bit length, square roots, log, PCAN gain. */
#include "fe_internal.h"
#include "fe_tables.h"

uint32_t fe_msb32(uint32_t x) {
  if (x == 0) return 32; /* the reference's GCC build answers 32 here; keep it for parity */
#if defined(__GNUC__)
  return 32u - (uint32_t)__builtin_clz(x); /* one CLZ on Cortex-M3 and up */
#else
  uint32_t n = 0;
  for (; x; x >>= 1) ++n;
  return n;
#endif
}

uint32_t fe_msb64(uint64_t x) {
  if (x == 0) return 64;
#if defined(__GNUC__)
  return 64u - (uint32_t)__builtin_clzll(x);
#else
  uint32_t n = 0;
  for (; x; x >>= 1) ++n;
  return n;
#endif
}

/* Digit-by-digit square root, rounded to nearest (unless that would overflow the result). */
uint16_t fe_sqrt32(uint32_t x) {
  if (x == 0) return 0;
  const int top = (int)(32 - fe_msb32(x)) | 1; /* leading zeros, made odd: bit pairs align */
  uint32_t bit = UINT32_C(1) << (31 - top);
  uint32_t res = 0;
  for (int n = (31 - top) / 2 + 1; n > 0; --n) {
    if (x >= res + bit) {
      x -= res + bit;
      res = (res >> 1) + bit;
    } else {
      res >>= 1;
    }
    bit >>= 2;
  }
  if (x > res && res != 0xFFFFu) ++res;
  return (uint16_t)res;
}

uint32_t fe_sqrt64(uint64_t x) {
  /* Below 2^32 the reference takes the 32-bit path (it rounds differently near 2^32). */
  if ((x >> 32) == 0) return fe_sqrt32((uint32_t)x);
  const int top = (int)(64 - fe_msb64(x)) | 1;
  uint64_t bit = UINT64_C(1) << (63 - top);
  uint64_t res = 0;
  for (int n = (63 - top) / 2 + 1; n > 0; --n) {
    if (x >= res + bit) {
      x -= res + bit;
      res = (res >> 1) + bit;
    } else {
      res >>= 1;
    }
    bit >>= 2;
  }
  if (x > res && res != 0xFFFFFFFFu) ++res;
  return (uint32_t)res;
}

enum {
  LOG_SCALE_BITS = 16,     /* Q16 log2 */
  LOG_SEGMENT_BITS = 7,    /* 128 LUT segments over the mantissa */
  LOG_LN2_Q16 = 45426,     /* round(ln(2) * 2^16): log2 -> ln */
};

/* Fractional part of log2(x), Q16: mantissa plus a LUT-interpolated correction. */
static uint32_t log2_fraction(uint32_t x, uint32_t log2x) {
  int32_t frac = (int32_t)(x - (UINT32_C(1) << log2x));
  if (log2x < LOG_SCALE_BITS) {
    frac *= (int32_t)1 << (LOG_SCALE_BITS - log2x);
  } else {
    frac >>= log2x - LOG_SCALE_BITS;
  }
  const uint32_t seg = (uint32_t)frac >> (LOG_SCALE_BITS - LOG_SEGMENT_BITS);
  const int32_t c0 = fe_log_lut[seg];
  const int32_t c1 = fe_log_lut[seg + 1];
  const int32_t seg_base = (int32_t)(seg << (LOG_SCALE_BITS - LOG_SEGMENT_BITS));
  const int32_t rel = fe_asr32((c1 - c0) * (frac - seg_base), LOG_SCALE_BITS);
  return (uint32_t)(frac + c0 + rel);
}

uint32_t fe_log32(uint32_t x, uint32_t out_scale) {
  const uint32_t integer = fe_msb32(x) - 1;
  const uint32_t log2 = (integer << LOG_SCALE_BITS) + log2_fraction(x, integer);
  const uint32_t half = UINT32_C(1) << (LOG_SCALE_BITS - 1);
  const uint32_t ln = (uint32_t)(((uint64_t)LOG_LN2_Q16 * log2 + half) >> LOG_SCALE_BITS);
  return (out_scale * ln + half) >> LOG_SCALE_BITS;
}

/* Gain = f(noise) from a LUT of quadratics, 4 coefficients per octave of the noise level;
 * the 10 bits below the top bit select the point on the curve. */
int16_t fe_pcan_gain(uint32_t noise, const int16_t *lut) {
  if (noise <= 2) return lut[noise];
  const int32_t octave = (int32_t)fe_msb32(noise);
  lut += 4 * octave - 6;
  const int32_t frac =
      (int32_t)((octave < 11 ? noise << (11 - octave) : noise >> (octave - 11)) & 0x3FFu);
  int32_t r = fe_asr32((int32_t)lut[2] * frac, 5);
  r += (int32_t)lut[1] * 32;
  r *= frac;
  r = fe_asr32(r + (1 << 14), 15);
  r += lut[0];
  return fe_wrap16(r);
}

enum { PCAN_SNR_BITS = 12, PCAN_OUTPUT_BITS = 6 };

/* x^2/4 below snr 2, x-1 above: soft knee that suppresses low-SNR channels. */
uint32_t fe_pcan_shrink(uint32_t snr) {
  if (snr < (UINT32_C(2) << PCAN_SNR_BITS)) {
    return (snr * snr) >> (2 + 2 * PCAN_SNR_BITS - PCAN_OUTPUT_BITS);
  }
  return (snr >> (PCAN_SNR_BITS - PCAN_OUTPUT_BITS)) - (UINT32_C(1) << PCAN_OUTPUT_BITS);
}
