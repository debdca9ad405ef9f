/* Armv7E-M DSP-extension SIMD primitives for the dsp kernels, written here as
 * inline assembly (no CMSIS). Packed words hold two int16 halves
 * ("lo" = bits 0..15, "hi" = bits 16..31) or four int8 bytes.
 *
 * Without __ARM_FEATURE_DSP (the host, or a core without the extension) the
 * same functions are plain C with identical results, so the host tests check
 * the dsp kernels' data flow bit for bit against TFLM. The arithmetic is
 * exactly the instructions': 16x16 products are exact, the 32-bit
 * accumulations wrap (SMLAD only sets the sticky Q flag, which nothing
 * reads), matching the ref kernels' wrapping int32 sums. */
#ifndef BT_DSP_SIMD_H
#define BT_DSP_SIMD_H
#include <stdint.h>
#include <string.h>

/* 4 bytes from any address: the M4/M7 LDR handles unaligned words. */
static inline uint32_t bt_ld32(const void *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

/* bytes 0 and 2, sign-extended to the two halves */
static inline uint32_t bt_sxtb16(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
  return r;
}
/* bytes 1 and 3, sign-extended */
static inline uint32_t bt_sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
/* halves of a + sign-extended bytes 0 and 2 of x (modulo 2^16 per half) */
static inline uint32_t bt_sxtab16(uint32_t a, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
/* halves of a + sign-extended bytes 1 and 3 of x */
static inline uint32_t bt_sxtab16_ror8(uint32_t a, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
/* acc + a.lo*b.lo + a.hi*b.hi */
static inline int32_t bt_smlad(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* acc + a.lo*b.lo */
static inline int32_t bt_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* acc + a.hi*b.hi */
static inline int32_t bt_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* acc + a.hi*b.lo */
static inline int32_t bt_smlatb(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlatb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* (a.lo, b.lo) -> lo, hi */
static inline uint32_t bt_pack_lo(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
/* (a.hi, b.hi) -> lo, hi */
static inline uint32_t bt_pack_hi(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
  return r;
}

#else  /* portable C: bit-identical results */

static inline int32_t bt_lo16(uint32_t x) { return (int16_t)(uint16_t)(x & 0xFFFFu); }
static inline int32_t bt_hi16(uint32_t x) { return (int16_t)(uint16_t)(x >> 16); }
static inline uint32_t bt_halves(int32_t lo, int32_t hi) {
  return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}
static inline uint32_t bt_sxtb16(uint32_t x) {
  return bt_halves((int8_t)(uint8_t)x, (int8_t)(uint8_t)(x >> 16));
}
static inline uint32_t bt_sxtb16_ror8(uint32_t x) {
  return bt_halves((int8_t)(uint8_t)(x >> 8), (int8_t)(uint8_t)(x >> 24));
}
static inline uint32_t bt_sxtab16(uint32_t a, uint32_t x) {
  return bt_halves(bt_lo16(a) + (int8_t)(uint8_t)x, bt_hi16(a) + (int8_t)(uint8_t)(x >> 16));
}
static inline uint32_t bt_sxtab16_ror8(uint32_t a, uint32_t x) {
  return bt_halves(bt_lo16(a) + (int8_t)(uint8_t)(x >> 8), bt_hi16(a) + (int8_t)(uint8_t)(x >> 24));
}
static inline int32_t bt_smlad(uint32_t a, uint32_t b, int32_t acc) {
  uint32_t s = (uint32_t)acc + (uint32_t)(bt_lo16(a) * bt_lo16(b)) + (uint32_t)(bt_hi16(a) * bt_hi16(b));
  return (int32_t)s;
}
static inline int32_t bt_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(bt_lo16(a) * bt_lo16(b)));
}
static inline int32_t bt_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(bt_hi16(a) * bt_hi16(b)));
}
static inline int32_t bt_smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(bt_hi16(a) * bt_lo16(b)));
}
static inline uint32_t bt_pack_lo(uint32_t a, uint32_t b) {
  return (a & 0xFFFFu) | (b << 16);
}
static inline uint32_t bt_pack_hi(uint32_t a, uint32_t b) {
  return (a >> 16) | (b & 0xFFFF0000u);
}

#endif

/* Both halves = v (an int16 value). */
static inline uint32_t bt_dup16(int32_t v) {
  return ((uint32_t)v & 0xFFFFu) | ((uint32_t)v << 16);
}

/* ---- byte-lane compare/select (pooling, softmax max, activation clamps) ----
 * SSUB8 sets the APSR.GE bit of every byte lane where a >= b (signed), SEL
 * then picks a's byte there and b's elsewhere. Both sit in ONE asm statement
 * because nothing guarantees the GE flags survive between two statements. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

/* per signed byte: max(a, b) */
static inline uint32_t bt_max8(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}
/* per signed byte: min(a, b) */
static inline uint32_t bt_min8(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}
/* halves: a.lo + b.lo, a.hi + b.hi (modulo 2^16 per half) */
static inline uint32_t bt_sadd16(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("sadd16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}
/* acc + a.lo*b.hi + a.hi*b.lo (SMLADX: the exchanged dual MAC) */
static inline int32_t bt_smladx(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smladx %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* per signed byte: a + b saturated to [-128, 127] */
static inline uint32_t bt_qadd8(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("qadd8 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
/* both halves saturated to the int8 range [-128, 127] (SSAT16 #8) */
static inline uint32_t bt_ssat16_8(uint32_t x) {
  uint32_t r;
  __asm__("ssat16 %0, #8, %1" : "=r"(r) : "r"(x) : "cc");
  return r;
}
/* a.lo * b.lo (exact, 32-bit) */
static inline int32_t bt_smulbb(uint32_t a, uint32_t b) {
  int32_t r;
  __asm__("smulbb %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
/* a.hi * b.hi */
static inline int32_t bt_smultt(uint32_t a, uint32_t b) {
  int32_t r;
  __asm__("smultt %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

#else  /* portable C: bit-identical results */

static inline uint32_t bt_max8(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i += 8) {
    int8_t x = (int8_t)(uint8_t)(a >> i), y = (int8_t)(uint8_t)(b >> i);
    r |= (uint32_t)(uint8_t)(x >= y ? x : y) << i;
  }
  return r;
}
static inline uint32_t bt_min8(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i += 8) {
    int8_t x = (int8_t)(uint8_t)(a >> i), y = (int8_t)(uint8_t)(b >> i);
    r |= (uint32_t)(uint8_t)(x >= y ? y : x) << i;
  }
  return r;
}
static inline uint32_t bt_sadd16(uint32_t a, uint32_t b) {
  return bt_halves(bt_lo16(a) + bt_lo16(b), bt_hi16(a) + bt_hi16(b));
}
static inline int32_t bt_smladx(uint32_t a, uint32_t b, int32_t acc) {
  uint32_t s = (uint32_t)acc + (uint32_t)(bt_lo16(a) * bt_hi16(b)) + (uint32_t)(bt_hi16(a) * bt_lo16(b));
  return (int32_t)s;
}
static inline uint32_t bt_qadd8(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i += 8) {
    int32_t v = (int8_t)(uint8_t)(a >> i) + (int8_t)(uint8_t)(b >> i);
    r |= (uint32_t)(uint8_t)(v < -128 ? -128 : (v > 127 ? 127 : v)) << i;
  }
  return r;
}
static inline uint32_t bt_ssat16_8(uint32_t x) {
  int32_t lo = bt_lo16(x), hi = bt_hi16(x);
  lo = lo < -128 ? -128 : (lo > 127 ? 127 : lo);
  hi = hi < -128 ? -128 : (hi > 127 ? 127 : hi);
  return bt_halves(lo, hi);
}
static inline int32_t bt_smulbb(uint32_t a, uint32_t b) { return bt_lo16(a) * bt_lo16(b); }
static inline int32_t bt_smultt(uint32_t a, uint32_t b) { return bt_hi16(a) * bt_hi16(b); }

#endif

/* Forces inlining where a constant argument must specialise a loop. */
#if defined(__GNUC__)
#define BT_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define BT_ALWAYS_INLINE inline
#endif

/* All four bytes = v (an int8 value). */
static inline uint32_t bt_dup8(int32_t v) {
  return ((uint32_t)v & 0xFFu) * 0x01010101u;
}
/* Signed 16-bit halves of a packed word (portable on every target). */
static inline int32_t bt_half_lo(uint32_t x) { return (int16_t)(uint16_t)(x & 0xFFFFu); }
static inline int32_t bt_half_hi(uint32_t x) { return (int16_t)(uint16_t)(x >> 16); }
/* Store 4 bytes to any address (STR on the M4/M7 handles unaligned words). */
static inline void bt_st32(void *p, uint32_t v) { memcpy(p, &v, 4); }

#endif
