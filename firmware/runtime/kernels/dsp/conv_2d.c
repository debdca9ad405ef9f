/* CONV_2D, BT_KERNELS=dsp: same results as kernels/ref/conv_2d.c (shared
 * prepare in ref/conv_common.c), faster inner loops on Armv7E-M:
 *  - 1x1 (pointwise, never padded): int8 input words are widened with the
 *    input offset by SXTAB16 and multiplied with SMLAD, two output pixels x
 *    two output channels per step (each unpacked word used twice);
 *  - k x k kernels whose widened filter fits BT_CW_MAX_WIDE: conv_wide.c
 *    (pre-widened filter, 2 pixels x 4 channels per SMLAD step);
 *  - other kernels: im2col of one output pixel into an int16 scratch buffer
 *    (offset added, padding taps stored as 0 which contributes nothing,
 *    exactly like the ref loop skipping them), then the same SMLAD dot;
 *  - grouped convolution: the ref loops.
 * The int32 sums are the ref sums in another order; int32 addition wraps
 * (modulo 2^32) in both, so every result is bit-identical. */
#include "bt/interp_impl.h"
#include "conv_common.h"
#include "dsp_simd.h"
#include "dsp_requant.h"
#include "conv_wide.h"

enum { CONV_REF = 0, CONV_1X1 = 1, CONV_IM2COL = 2, CONV_WIDE = 3 };

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_conv_data *d;
  bt_status s = bt_conv_prepare(c, BT_CONV_KIND_CONV, &d);
  if (s != BT_OK) return s;
  if (d->filter_in_c != d->in_c) {
    d->flags = CONV_REF;                 /* grouped: rare, keep it simple */
  } else if (d->k_h == 1 && d->k_w == 1) {
    d->flags = CONV_1X1;                 /* 1x1 has no padding (TFLM math) */
  } else if (c->it->num_scratch < BT_MAX_SCRATCH && bt_cw_scratch_bytes(d) > 0) {
    d->flags = CONV_WIDE;                /* conv_wide.h: pre-widened filter, 2 px x 4 ch */
    int idx;
    s = bt_request_scratch(c, bt_cw_scratch_bytes(d), &idx);
    if (s != BT_OK) return s;
    d->scratch_idx = (int16_t)idx;
  } else if (c->it->num_scratch < BT_MAX_SCRATCH) {
    d->flags = CONV_IM2COL;
    size_t k = (size_t)d->k_h * d->k_w * d->in_c;
    int idx;
    s = bt_request_scratch(c, k * sizeof(int16_t), &idx);
    if (s != BT_OK) return s;
    d->scratch_idx = (int16_t)idx;
  } else {
    d->flags = CONV_REF;   /* graph's scratch slots used up: slower, never fails */
  }
  return BT_OK;
}

/* Dot product of two filter rows (int8, length k, any alignment) with the
 * int16 column `col` whose 4-element groups are stored (x0,x2,x1,x3), so that
 * SXTB16 / SXTB16 ROR 8 of 4 filter bytes line up with its two words. */
static void dot2(const int8_t *f0, const int8_t *f1, const int16_t *col, int32_t k,
                 int32_t *a0, int32_t *a1) {
  int32_t acc0 = 0, acc1 = 0, i = 0;
  for (; i + 4 <= k; i += 4) {
    uint32_t xa = bt_ld32(col + i), xb = bt_ld32(col + i + 2);
    uint32_t w = bt_ld32(f0 + i);
    acc0 = bt_smlad(bt_sxtb16(w), xa, acc0);
    acc0 = bt_smlad(bt_sxtb16_ror8(w), xb, acc0);
    w = bt_ld32(f1 + i);
    acc1 = bt_smlad(bt_sxtb16(w), xa, acc1);
    acc1 = bt_smlad(bt_sxtb16_ror8(w), xb, acc1);
  }
  for (; i < k; i++) {                   /* tail kept in natural order */
    acc0 = bt_wadd32(acc0, f0[i] * col[i]);
    acc1 = bt_wadd32(acc1, f1[i] * col[i]);
  }
  *a0 = acc0;
  *a1 = acc1;
}

static int32_t dot1(const int8_t *f0, const int16_t *col, int32_t k) {
  int32_t acc = 0, i = 0;
  for (; i + 4 <= k; i += 4) {
    uint32_t w = bt_ld32(f0 + i);
    acc = bt_smlad(bt_sxtb16(w), bt_ld32(col + i), acc);
    acc = bt_smlad(bt_sxtb16_ror8(w), bt_ld32(col + i + 2), acc);
  }
  for (; i < k; i++) acc = bt_wadd32(acc, f0[i] * col[i]);
  return acc;
}

static void out_pixel(const bt_conv_data *d, const int8_t *filter, const int32_t *bias,
                      const int16_t *col, int32_t k, int8_t *po) {
  int32_t o = 0;
  for (; o + 2 <= d->out_c; o += 2) {
    int32_t a0, a1;
    dot2(filter + (size_t)o * k, filter + (size_t)(o + 1) * k, col, k, &a0, &a1);
    if (bias) { a0 = bt_wadd32(a0, bias[o]); a1 = bt_wadd32(a1, bias[o + 1]); }
    po[o] = bt_dsp_requant(d, a0, o);
    po[o + 1] = bt_dsp_requant(d, a1, o + 1);
  }
  if (o < d->out_c) {
    int32_t a0 = dot1(filter + (size_t)o * k, col, k);
    if (bias) a0 = bt_wadd32(a0, bias[o]);
    po[o] = bt_dsp_requant(d, a0, o);
  }
}

static void eval_im2col(const bt_conv_data *d, const int8_t *in, const int8_t *filter,
                        const int32_t *bias, int8_t *out, int16_t *col) {
  static const uint8_t swap12[4] = {0, 2, 1, 3};   /* (x0,x1,x2,x3) -> (x0,x2,x1,x3) */
  const int32_t ih = d->in_h, iw = d->in_w, ic = d->in_c;
  const int32_t k = d->k_h * d->k_w * ic, k4 = k & ~3;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *inb = in + (size_t)b * ih * iw * ic;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t j = 0;
        for (int32_t ky = 0; ky < d->k_h; ky++) {
          const int32_t y = y0 + ky * d->dil_h;
          for (int32_t kx = 0; kx < d->k_w; kx++) {
            const int32_t x = x0 + kx * d->dil_w;
            const int inside = y >= 0 && y < ih && x >= 0 && x < iw;
            const int8_t *px = inb + ((size_t)(inside ? y : 0) * iw + (inside ? x : 0)) * ic;
            for (int32_t i = 0; i < ic; i++, j++) {
              int32_t pos = j < k4 ? (j & ~3) | swap12[j & 3] : j;
              col[pos] = (int16_t)(inside ? px[i] + d->in_offset : 0);
            }
          }
        }
        out_pixel(d, filter, bias, col, k,
                  out + (((size_t)b * d->out_h + oy) * d->out_w + ox) * d->out_c);
      }
    }
  }
}

/* One output channel pair (f0, f1) for one input pixel px: the 1x1 tail. */
static void dot_1x1(const int8_t *px, const int8_t *f0, const int8_t *f1, int32_t ic,
                    uint32_t off2, int32_t in_offset, int32_t *a0, int32_t *a1) {
  int32_t acc0 = 0, acc1 = 0, i = 0;
  for (; i + 4 <= ic; i += 4) {
    uint32_t x = bt_ld32(px + i);
    uint32_t xa = bt_sxtab16(off2, x), xb = bt_sxtab16_ror8(off2, x);
    uint32_t w = bt_ld32(f0 + i);
    acc0 = bt_smlad(bt_sxtb16(w), xa, acc0);
    acc0 = bt_smlad(bt_sxtb16_ror8(w), xb, acc0);
    w = bt_ld32(f1 + i);
    acc1 = bt_smlad(bt_sxtb16(w), xa, acc1);
    acc1 = bt_smlad(bt_sxtb16_ror8(w), xb, acc1);
  }
  for (; i < ic; i++) {
    int32_t v = px[i] + in_offset;
    acc0 = bt_wadd32(acc0, f0[i] * v);
    acc1 = bt_wadd32(acc1, f1[i] * v);
  }
  *a0 = acc0;
  *a1 = acc1;
}

static inline void put(const bt_conv_data *d, const int32_t *bias, int8_t *po, int32_t o, int32_t acc) {
  if (bias) acc = bt_wadd32(acc, bias[o]);
  po[o] = bt_dsp_requant(d, acc, o);
}

/* Input pixel of flattened output pixel p (1x1: no padding, only strides). */
static const int8_t *px_1x1(const bt_conv_data *d, const int8_t *in, int32_t p) {
  const int32_t ox = p % d->out_w, t = p / d->out_w, oy = t % d->out_h, b = t / d->out_h;
  return in + (((size_t)b * d->in_h + (size_t)oy * d->stride_h) * d->in_w +
               (size_t)ox * d->stride_w) * d->in_c;
}

/* 1x1: two output pixels x two output channels per step, so each unpacked
 * input word feeds two channels and each unpacked filter word two pixels
 * (16 MACs per 8 SMLAD + 8 unpacks + 4 loads). */
static void eval_1x1(const bt_conv_data *d, const int8_t *in, const int8_t *filter,
                     const int32_t *bias, int8_t *out) {
  const int32_t ic = d->in_c, oc = d->out_c, n = d->batches * d->out_h * d->out_w;
  const uint32_t off2 = bt_dup16(d->in_offset);
  int32_t p = 0;
  for (; p + 2 <= n; p += 2) {
    const int8_t *pa = px_1x1(d, in, p), *pb = px_1x1(d, in, p + 1);
    int8_t *qa = out + (size_t)p * oc, *qb = qa + oc;
    int32_t o = 0;
    for (; o + 2 <= oc; o += 2) {
      const int8_t *f0 = filter + (size_t)o * ic, *f1 = f0 + ic;
      int32_t a0 = 0, a1 = 0, b0 = 0, b1 = 0, i = 0;
      for (; i + 4 <= ic; i += 4) {
        uint32_t x = bt_ld32(pa + i), y = bt_ld32(pb + i);
        uint32_t xa = bt_sxtab16(off2, x), xb = bt_sxtab16_ror8(off2, x);
        uint32_t ya = bt_sxtab16(off2, y), yb = bt_sxtab16_ror8(off2, y);
        uint32_t w = bt_ld32(f0 + i), wa = bt_sxtb16(w), wb = bt_sxtb16_ror8(w);
        a0 = bt_smlad(wa, xa, a0);
        a0 = bt_smlad(wb, xb, a0);
        b0 = bt_smlad(wa, ya, b0);
        b0 = bt_smlad(wb, yb, b0);
        w = bt_ld32(f1 + i);
        wa = bt_sxtb16(w);
        wb = bt_sxtb16_ror8(w);
        a1 = bt_smlad(wa, xa, a1);
        a1 = bt_smlad(wb, xb, a1);
        b1 = bt_smlad(wa, ya, b1);
        b1 = bt_smlad(wb, yb, b1);
      }
      for (; i < ic; i++) {
        int32_t x = pa[i] + d->in_offset, y = pb[i] + d->in_offset;
        a0 = bt_wadd32(a0, f0[i] * x);
        a1 = bt_wadd32(a1, f1[i] * x);
        b0 = bt_wadd32(b0, f0[i] * y);
        b1 = bt_wadd32(b1, f1[i] * y);
      }
      put(d, bias, qa, o, a0);
      put(d, bias, qa, o + 1, a1);
      put(d, bias, qb, o, b0);
      put(d, bias, qb, o + 1, b1);
    }
    if (o < oc) {                              /* odd channel count */
      const int8_t *f0 = filter + (size_t)o * ic;
      int32_t a0, b0, unused;
      dot_1x1(pa, f0, f0, ic, off2, d->in_offset, &a0, &unused);
      dot_1x1(pb, f0, f0, ic, off2, d->in_offset, &b0, &unused);
      put(d, bias, qa, o, a0);
      put(d, bias, qb, o, b0);
    }
  }
  if (p < n) {                                 /* odd pixel count */
    const int8_t *pa = px_1x1(d, in, p);
    int8_t *qa = out + (size_t)p * oc;
    for (int32_t o = 0; o < oc; o += 2) {
      const int8_t *f0 = filter + (size_t)o * ic, *f1 = o + 1 < oc ? f0 + ic : f0;
      int32_t a0, a1;
      dot_1x1(pa, f0, f1, ic, off2, d->in_offset, &a0, &a1);
      put(d, bias, qa, o, a0);
      if (o + 1 < oc) put(d, bias, qa, o + 1, a1);
    }
  }
}

static bt_status eval(bt_ctx *c) {
  const bt_conv_data *d = bt_op_data(c);
  const bt_tensor *bt = bt_input(c, 2);
  const int8_t *in = bt_input(c, 0)->data, *filter = bt_input(c, 1)->data;
  const int32_t *bias = bt ? bt->data : NULL;
  int8_t *out = bt_output(c, 0)->data;
  switch (d->flags) {
    case CONV_1X1: eval_1x1(d, in, filter, bias, out); break;
    case CONV_WIDE: bt_cw_eval(d, in, filter, bias, out, bt_scratch(c, d->scratch_idx), 0); break;
    case CONV_IM2COL: eval_im2col(d, in, filter, bias, out, bt_scratch(c, d->scratch_idx)); break;
    default: bt_conv_ref_eval(d, in, filter, bias, out); break;
  }
  return BT_OK;
}

const bt_op_reg bt_op_conv_2d = {BT_BUILTIN_CONV_2D, "CONV_2D", prepare, eval};
