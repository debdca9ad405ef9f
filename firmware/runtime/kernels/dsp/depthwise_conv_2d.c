/* DEPTHWISE_CONV_2D, BT_KERNELS=dsp: same results as the ref kernel (shared
 * prepare in ref/conv_common.c), faster inner loops on Armv7E-M:
 *  - depth multiplier 1: four channels per step; one word of input and of
 *    filter per tap, widened by SXTAB16/SXTB16 (input offset folded in),
 *    four per-channel accumulators via SMLABB/SMLATT; interior pixels of a
 *    3x3 dilation-1 filter take an unrolled path without bounds checks;
 *  - input depth 1, multiplier > 1 (micro_speech: 1 -> 8): a conv with
 *    one input channel, conv_wide.c;
 *  - depth multiplier a multiple of 4 otherwise: one input value feeds four
 *    output channels (SMLABB/SMLATB against a duplicated halfword);
 *  - anything else: the ref loops.
 * Taps outside the image are skipped exactly as in the ref loop; sums wrap
 * modulo 2^32 in both, so results are bit-identical. */
#include "conv_common.h"
#include "dsp_simd.h"
#include "dsp_requant.h"
#include "conv_wide.h"
#include "bt/interp_impl.h"

enum { DW_REF = 0, DW_M1 = 1, DW_M4 = 2, DW_WIDE = 3 };

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_conv_data *d;
  bt_status s = bt_conv_prepare(c, BT_CONV_KIND_DEPTHWISE, &d);
  if (s != BT_OK) return s;
  d->flags = d->depth_mult == 1 ? DW_M1 : (d->depth_mult % 4 == 0 ? DW_M4 : DW_REF);
  /* input depth 1, multiplier > 1: a conv with one input channel */
  if (d->in_c == 1 && d->depth_mult > 1 && bt_cw_scratch_bytes(d) > 0 &&
      c->it->num_scratch < BT_MAX_SCRATCH) {
    int idx;
    s = bt_request_scratch(c, bt_cw_scratch_bytes(d), &idx);
    if (s != BT_OK) return s;
    d->scratch_idx = (int16_t)idx;
    d->flags = DW_WIDE;
  }
  return BT_OK;
}

typedef struct acc4 { int32_t a0, a1, a2, a3; } acc4;

/* One tap of four channels: x, w = 4 packed int8 each. */
static inline void mac4(acc4 *a, uint32_t off2, uint32_t x, uint32_t w) {
  uint32_t xa = bt_sxtab16(off2, x), xb = bt_sxtab16_ror8(off2, x);   /* (x0,x2) (x1,x3) + offset */
  uint32_t wa = bt_sxtb16(w), wb = bt_sxtb16_ror8(w);                 /* (w0,w2) (w1,w3) */
  a->a0 = bt_smlabb(wa, xa, a->a0);
  a->a2 = bt_smlatt(wa, xa, a->a2);
  a->a1 = bt_smlabb(wb, xb, a->a1);
  a->a3 = bt_smlatt(wb, xb, a->a3);
}

static inline void store4(const bt_conv_data *d, const int32_t *bias, int32_t o, acc4 a, int8_t *po) {
  if (bias) {
    a.a0 = bt_wadd32(a.a0, bias[o]);
    a.a1 = bt_wadd32(a.a1, bias[o + 1]);
    a.a2 = bt_wadd32(a.a2, bias[o + 2]);
    a.a3 = bt_wadd32(a.a3, bias[o + 3]);
  }
  po[o] = bt_dsp_requant(d, a.a0, o);
  po[o + 1] = bt_dsp_requant(d, a.a1, o + 1);
  po[o + 2] = bt_dsp_requant(d, a.a2, o + 2);
  po[o + 3] = bt_dsp_requant(d, a.a3, o + 3);
}

static void eval_m1(const bt_conv_data *d, const int8_t *in, const int8_t *filter,
                    const int32_t *bias, int8_t *out) {
  const int32_t ih = d->in_h, iw = d->in_w, ch = d->in_c;
  const uint32_t off2 = bt_dup16(d->in_offset);
  const int fast3 = d->k_h == 3 && d->k_w == 3 && d->dil_h == 1 && d->dil_w == 1;
  const size_t row = (size_t)iw * ch;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *inb = in + (size_t)b * ih * iw * ch;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int8_t *po = out + (((size_t)b * d->out_h + oy) * d->out_w + ox) * ch;
        const int interior = fast3 && y0 >= 0 && y0 + 3 <= ih && x0 >= 0 && x0 + 3 <= iw;
        int32_t c = 0;
        for (; c + 4 <= ch; c += 4) {
          acc4 a = {0, 0, 0, 0};
          if (interior) {
            const int8_t *p = inb + ((size_t)y0 * iw + x0) * ch + c;
            const int8_t *f = filter + c;
            for (int r = 0; r < 3; r++, p += row, f += 3 * (size_t)ch) {
              mac4(&a, off2, bt_ld32(p), bt_ld32(f));
              mac4(&a, off2, bt_ld32(p + ch), bt_ld32(f + ch));
              mac4(&a, off2, bt_ld32(p + 2 * ch), bt_ld32(f + 2 * ch));
            }
          } else {
            for (int32_t ky = 0; ky < d->k_h; ky++) {
              const int32_t y = y0 + ky * d->dil_h;
              if (y < 0 || y >= ih) continue;
              for (int32_t kx = 0; kx < d->k_w; kx++) {
                const int32_t x = x0 + kx * d->dil_w;
                if (x < 0 || x >= iw) continue;
                mac4(&a, off2, bt_ld32(inb + ((size_t)y * iw + x) * ch + c),
                     bt_ld32(filter + ((size_t)ky * d->k_w + kx) * ch + c));
              }
            }
          }
          store4(d, bias, c, a, po);
        }
        for (; c < ch; c++) {                 /* leftover channels */
          int32_t acc = 0;
          for (int32_t ky = 0; ky < d->k_h; ky++) {
            const int32_t y = y0 + ky * d->dil_h;
            if (y < 0 || y >= ih) continue;
            for (int32_t kx = 0; kx < d->k_w; kx++) {
              const int32_t x = x0 + kx * d->dil_w;
              if (x < 0 || x >= iw) continue;
              acc = bt_wadd32(acc, filter[((size_t)ky * d->k_w + kx) * ch + c] *
                                       (inb[((size_t)y * iw + x) * ch + c] + d->in_offset));
            }
          }
          if (bias) acc = bt_wadd32(acc, bias[c]);
          po[c] = bt_dsp_requant(d, acc, c);
        }
      }
    }
  }
}

static void eval_m4(const bt_conv_data *d, const int8_t *in, const int8_t *filter,
                    const int32_t *bias, int8_t *out) {
  const int32_t ih = d->in_h, iw = d->in_w, ic = d->in_c, dm = d->depth_mult, oc = d->out_c;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *inb = in + (size_t)b * ih * iw * ic;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int8_t *po = out + (((size_t)b * d->out_h + oy) * d->out_w + ox) * oc;
        for (int32_t c = 0; c < ic; c++) {
          for (int32_t m = 0; m < dm; m += 4) {
            const int32_t o = c * dm + m;
            acc4 a = {0, 0, 0, 0};
            for (int32_t ky = 0; ky < d->k_h; ky++) {
              const int32_t y = y0 + ky * d->dil_h;
              if (y < 0 || y >= ih) continue;
              for (int32_t kx = 0; kx < d->k_w; kx++) {
                const int32_t x = x0 + kx * d->dil_w;
                if (x < 0 || x >= iw) continue;
                uint32_t xx = bt_dup16(inb[((size_t)y * iw + x) * ic + c] + d->in_offset);
                uint32_t w = bt_ld32(filter + ((size_t)ky * d->k_w + kx) * oc + o);
                uint32_t wa = bt_sxtb16(w), wb = bt_sxtb16_ror8(w);
                a.a0 = bt_smlabb(wa, xx, a.a0);
                a.a2 = bt_smlatb(wa, xx, a.a2);
                a.a1 = bt_smlabb(wb, xx, a.a1);
                a.a3 = bt_smlatb(wb, xx, a.a3);
              }
            }
            store4(d, bias, o, a, po);
          }
        }
      }
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
    case DW_M1: eval_m1(d, in, filter, bias, out); break;
    case DW_M4: eval_m4(d, in, filter, bias, out); break;
    case DW_WIDE: bt_cw_eval(d, in, filter, bias, out, bt_scratch(c, d->scratch_idx), 1); break;
    default: bt_depthwise_ref_eval(d, in, filter, bias, out); break;
  }
  return BT_OK;
}

const bt_op_reg bt_op_depthwise_conv_2d = {BT_BUILTIN_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D",
                                           prepare, eval};
