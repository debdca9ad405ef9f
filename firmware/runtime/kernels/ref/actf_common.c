/* float32 expf / tanhf / logistic, bit-exact with the golden wheel's libm
 * (see actf_common.h). Per-element code: expf needs double arithmetic (that is
 * how the libm TFLM calls computes it; soft double on Cortex-M4F), tanhf is
 * single precision throughout. */
#include <stdint.h>
#include <string.h>
#include "actf_common.h"

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }
static float u2f(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
static uint64_t d2u(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }
static double u2d(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }

/* ---- expf ------------------------------------------------------------------
 * x = (k + r) * ln2 / 32 with k integer and |r| <= 1/2; exp(x) = 2^(k/32) *
 * 2^(r/32), 2^(k/32) from a 32-entry table (bits of 2^(i/32) minus i << 47,
 * so adding k << 47 also scales by 2^(k/32 - i/32)), 2^(r/32) by a cubic. */
#define EXPF_N 32
static const uint64_t expf_tab[EXPF_N] = {
  0x3ff0000000000000u, 0x3fefd9b0d3158574u, 0x3fefb5586cf9890fu, 0x3fef9301d0125b51u,
  0x3fef72b83c7d517bu, 0x3fef54873168b9aau, 0x3fef387a6e756238u, 0x3fef1e9df51fdee1u,
  0x3fef06fe0a31b715u, 0x3feef1a7373aa9cbu, 0x3feedea64c123422u, 0x3feece086061892du,
  0x3feebfdad5362a27u, 0x3feeb42b569d4f82u, 0x3feeab07dd485429u, 0x3feea47eb03a5585u,
  0x3feea09e667f3bcdu, 0x3fee9f75e8ec5f74u, 0x3feea11473eb0187u, 0x3feea589994cce13u,
  0x3feeace5422aa0dbu, 0x3feeb737b0cdc5e5u, 0x3feec49182a3f090u, 0x3feed503b23e255du,
  0x3feee89f995ad3adu, 0x3feeff76f2fb5e47u, 0x3fef199bdd85529cu, 0x3fef3720dcef9069u,
  0x3fef5818dcfba487u, 0x3fef7c97337b9b5fu, 0x3fefa4afa2a490dau, 0x3fefd0765b6e4540u,
};
static const double expf_invln2n = 0x1.71547652b82fep+0 * EXPF_N;
static const double expf_shift = 0x1.8p+52;
static const double expf_c0 = 0x1.c6af84b912394p-5 / EXPF_N / EXPF_N / EXPF_N;
static const double expf_c1 = 0x1.ebfce50fac4f3p-3 / EXPF_N / EXPF_N;
static const double expf_c2 = 0x1.62e42ff0c52d6p-1 / EXPF_N;

/* The golden host's glibc runs the FMA build of this expf (x86-64 with
 * FMA/AVX2: the multiply-adds are fused). Without fusion (here, portable and
 * identical on every target) the double result rounds to a different float
 * for exactly these two of all 2^32 inputs (exhaustive comparison): their
 * fused results. */
static const uint32_t expf_fma_in[2] = {0x4202422fu, 0xc27c65d9u};
static const uint32_t expf_fma_out[2] = {0x56fc9f1cu, 0x11fa2993u};

float bt_expf(float x) {
  const uint32_t ux = f2u(x), abstop = (ux >> 20) & 0x7ffu;
  if (abstop >= 0x42bu) {                      /* |x| >= 88 or NaN */
    if (ux == 0xff800000u) return 0.0f;        /* -inf */
    if (abstop >= 0x7f8u) return x + x;        /* +inf, NaN */
    if (x > 0x1.62e42ep6f) return u2f(0x7f800000u);   /* overflow: +inf */
    if (x < -0x1.9fe368p6f) return 0.0f;       /* underflow */
  }
  for (int i = 0; i < 2; i++)
    if (ux == expf_fma_in[i]) return u2f(expf_fma_out[i]);
  const double xd = (double)x;
  const double z = expf_invln2n * xd;
  double kd = z + expf_shift;                  /* round to nearest integer */
  const uint64_t ki = d2u(kd);
  kd -= expf_shift;
  const double r = z - kd;
  const double s = u2d(expf_tab[ki % EXPF_N] + (ki << (52 - 5)));
  const double p = expf_c0 * r + expf_c1;
  const double r2 = r * r;
  double y = expf_c2 * r + 1.0;
  y = p * r2 + y;
  return (float)(y * s);
}

/* ---- tanhf (fdlibm) --------------------------------------------------------
 * expm1f for the arguments tanhf passes: 2|x| in [2, 44) or -2|x| in (-2, 0). */
static float expm1f_fd(float x) {
  uint32_t hx = f2u(x);
  const uint32_t neg = hx & 0x80000000u;
  hx &= 0x7fffffffu;
  float c = 0.0f, hi, lo, t;
  int32_t k;
  if (hx >= 0x4195b844u && neg) return -1.0f;  /* x < -27 ln2 (not reached) */
  if (hx > 0x3eb17218u) {                      /* |x| > ln2 / 2 */
    if (hx < 0x3f851592u) {                    /* and < 3 ln2 / 2 */
      if (!neg) { hi = x - 6.9313812256e-01f; lo = 9.0580006145e-06f; k = 1; }
      else { hi = x + 6.9313812256e-01f; lo = -9.0580006145e-06f; k = -1; }
    } else {
      k = (int32_t)(1.4426950216e+00f * x + (neg ? -0.5f : 0.5f));
      t = (float)k;
      hi = x - t * 6.9313812256e-01f;          /* exact */
      lo = t * 9.0580006145e-06f;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (hx < 0x33000000u) {               /* |x| < 2^-25 */
    return x;
  } else {
    k = 0;
  }
  const float hfx = 0.5f * x, hxs = x * hfx;
  const float r1 = 1.0f + hxs * (-3.3333335072e-02f + hxs * (1.5873016091e-03f + hxs *
                   (-7.9365076090e-05f + hxs * (4.0082177293e-06f + hxs * -2.0109921195e-07f))));
  t = 3.0f - r1 * hfx;
  float e = hxs * ((r1 - t) / (6.0f - x * t));
  if (k == 0) return x - (x * e - hxs);
  e = x * (e - c) - c;
  e -= hxs;
  if (k == -1) return 0.5f * (x - e) - 0.5f;
  if (k == 1) return x < -0.25f ? -2.0f * (e - (x + 0.5f)) : 1.0f + 2.0f * (x - e);
  float y;
  if (k <= -2 || k > 56) {
    y = 1.0f - (e - x);
    return u2f(f2u(y) + ((uint32_t)k << 23)) - 1.0f;   /* add k to the exponent */
  }
  if (k < 23) {
    t = u2f(0x3f800000u - (0x1000000u >> k));         /* 1 - 2^-k */
    y = t - (e - x);
  } else {
    t = u2f((uint32_t)(0x7f - k) << 23);               /* 2^-k */
    y = x - (e + t);
    y += 1.0f;
  }
  return u2f(f2u(y) + ((uint32_t)k << 23));
}

float bt_tanhf(float x) {
  const uint32_t jx = f2u(x), ix = jx & 0x7fffffffu;
  float z;
  if (ix >= 0x7f800000u) {                     /* inf or NaN */
    if (ix > 0x7f800000u) return x + x;
    return (jx >> 31) ? -1.0f : 1.0f;
  }
  if (ix < 0x41b00000u) {                      /* |x| < 22 */
    if (ix == 0) return x;                     /* +-0 */
    if (ix < 0x24000000u) return x * (1.0f + x);   /* |x| < 2^-55 */
    const float ax = u2f(ix);
    if (ix >= 0x3f800000u) {                   /* |x| >= 1 */
      const float t = expm1f_fd(2.0f * ax);
      z = 1.0f - 2.0f / (t + 2.0f);
    } else {
      const float t = expm1f_fd(-2.0f * ax);
      z = -t / (t + 2.0f);
    }
  } else {
    z = 1.0f - 1.0e-30f;                       /* rounds to 1 */
  }
  return (jx >> 31) ? -z : z;
}

float bt_logisticf(float x) {
  if (x > 16.619047164916992188f) return 1.0f;
  if (x < -9.0f) return bt_expf(x);
  return 1.0f / (1.0f + bt_expf(-x));
}

void bt_softmaxf(const float *x, float *y, int32_t outer, int32_t depth, float beta) {
  for (int32_t r = 0; r < outer; r++) {
    const float *row = x + r * depth;
    float *o = y + r * depth;
    float mx = -3.40282347e38f;   /* lowest float, where TFLM starts its maximum */
    for (int32_t i = 0; i < depth; i++) if (mx < row[i]) mx = row[i];
    float sum = 0.0f;
    for (int32_t i = 0; i < depth; i++) {
      o[i] = bt_expf((row[i] - mx) * beta);
      sum += o[i];
    }
    for (int32_t i = 0; i < depth; i++) o[i] = o[i] / sum;
  }
}
