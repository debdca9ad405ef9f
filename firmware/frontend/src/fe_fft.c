/* 512-point real FFT in Q15 fixed point.
 *
 * Numerics follow the reference (TFLM's int16 rfft): a 256-point complex FFT of the even/odd
 * sample pairs, radix-4 decimation in time with each butterfly input divided by 4 (so the
 * complex FFT scales by 1/256), round-half-up Q15 products, int16 wrap-around on every store;
 * then the split step that separates the two interleaved real transforms, dividing by 2 again.
 * Every rounding step matters for bit-exactness, so none is fused or reordered.
 */
#include "fe_internal.h"
#include "fe_tables.h"

#define NC (BT_FRONTEND_FFT_LEN / 2) /* complex points */

typedef bt_frontend_cpx cpx;

/* Q15 product with rounding, done in 64 bits so no intermediate overflows. */
static inline int16_t q15_round(int64_t acc) { return fe_wrap16((int32_t)fe_asr64(acc + (1 << 14), 15)); }

static inline cpx cmul(cpx a, const int16_t *tw) {
  cpx m;
  m.r = q15_round((int64_t)a.r * tw[0] - (int64_t)a.i * tw[1]);
  m.i = q15_round((int64_t)a.r * tw[1] + (int64_t)a.i * tw[0]);
  return m;
}

/* Divide by k the way the reference does: multiply by floor(32767 / k) in Q15. */
static inline cpx fixdiv(cpx c, int32_t k) {
  const int32_t q = 32767 / k;
  c.r = q15_round((int64_t)c.r * q);
  c.i = q15_round((int64_t)c.i * q);
  return c;
}

static inline cpx cadd(cpx a, cpx b) {
  cpx s = {fe_wrap16(a.r + b.r), fe_wrap16(a.i + b.i)};
  return s;
}

static inline cpx csub(cpx a, cpx b) {
  cpx s = {fe_wrap16(a.r - b.r), fe_wrap16(a.i - b.i)};
  return s;
}

/* Reverse the four base-4 digits of an index 0..255 (the decimation-in-time input order). */
static inline unsigned rev4(unsigned n) {
  return ((n & 3u) << 6) | ((n & 12u) << 2) | ((n & 48u) >> 2) | ((n & 192u) >> 6);
}

/* One radix-4 pass: groups of 4*m points, twiddle step fstride in the 256-entry table. */
static void radix4_pass(cpx *f, unsigned m, unsigned fstride) {
  for (unsigned g = 0; g < NC; g += 4 * m) {
    for (unsigned k = 0; k < m; ++k) {
      cpx *a = &f[g + k], *b = a + m, *c = a + 2 * m, *d = a + 3 * m;
      *a = fixdiv(*a, 4);
      *b = fixdiv(*b, 4);
      *c = fixdiv(*c, 4);
      *d = fixdiv(*d, 4);
      const cpx s0 = cmul(*b, &fe_twiddle[2 * (k * fstride)]);
      const cpx s1 = cmul(*c, &fe_twiddle[2 * (2 * k * fstride)]);
      const cpx s2 = cmul(*d, &fe_twiddle[2 * (3 * k * fstride)]);
      const cpx s5 = csub(*a, s1);
      *a = cadd(*a, s1);
      const cpx s3 = cadd(s0, s2);
      const cpx s4 = csub(s0, s2);
      *c = csub(*a, s3);
      *a = cadd(*a, s3);
      /* Multiplying s4 by -i (forward transform) is a swap, not a rounding product. */
      b->r = fe_wrap16(s5.r + s4.i);
      b->i = fe_wrap16(s5.i - s4.r);
      d->r = fe_wrap16(s5.r - s4.i);
      d->i = fe_wrap16(s5.i + s4.r);
    }
  }
}

void fe_rfft512(const int16_t *in, cpx work[NC], cpx *out) {
  /* in[] is read only here, before any write to out[] (they may share memory). */
  for (unsigned n = 0; n < NC; ++n) {
    const unsigned src = rev4(n);
    work[n].r = in[2 * src];
    work[n].i = in[2 * src + 1];
  }
  for (unsigned m = 1, fstride = NC / 4; m < NC; m *= 4, fstride /= 4) {
    radix4_pass(work, m, fstride);
  }

  /* Split: X[k] = (Z[k] + conj Z[N-k]) / 2 + W^k (Z[k] - conj Z[N-k]) / 2i. */
  const cpx dc = fixdiv(work[0], 2);
  out[0].r = fe_wrap16(dc.r + dc.i);
  out[0].i = 0;
  out[NC].r = fe_wrap16(dc.r - dc.i);
  out[NC].i = 0;
  for (unsigned k = 1; k <= NC / 2; ++k) {
    cpx fpk = work[k];
    cpx fpnk = {work[NC - k].r, fe_wrap16(-work[NC - k].i)};
    fpk = fixdiv(fpk, 2);
    fpnk = fixdiv(fpnk, 2);
    const cpx f1k = cadd(fpk, fpnk);
    const cpx f2k = csub(fpk, fpnk);
    const cpx tw = cmul(f2k, &fe_split_twiddle[2 * (k - 1)]);
    out[k].r = (int16_t)fe_asr32(f1k.r + tw.r, 1);
    out[k].i = (int16_t)fe_asr32(f1k.i + tw.i, 1);
    /* At k = N/2 both writes hit the same bin; the second one stands, as in the reference. */
    out[NC - k].r = (int16_t)fe_asr32(f1k.r - tw.r, 1);
    out[NC - k].i = (int16_t)fe_asr32(tw.i - f1k.i, 1);
  }
}
