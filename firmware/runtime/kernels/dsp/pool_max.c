/* MAX_POOL_2D int8, BT_KERNELS=dsp: same results as kernels/ref/pool_max.c
 * (shared prepare in ref/pool_common.c). NHWC keeps channels contiguous, so
 * each window tap is one word load of 4 channels and one SSUB8+SEL byte-wise
 * signed max (4 compares per 2 instructions), 8 channels per pass when possible; the fused activation clamp is
 * two more byte-wise max/min. Max is order-independent and starts from -128
 * like the ref loop, so the result is identical. */
#include "pool_common.h"
#include "bt/quant.h"
#include "dsp_simd.h"

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_pool_data *d;
  return bt_pool_prepare(c, &d);
}

static bt_status eval(bt_ctx *c) {
  const bt_pool_data *d = bt_op_data(c);
  const int8_t *in = bt_input(c, 0)->data;
  int8_t *out = bt_output(c, 0)->data;
  /* Geometry in locals: the byte stores below may alias anything, so reading
   * d-> fields inside the loops would reload them after every store. */
  const int32_t depth = d->depth, d4 = depth & ~3, in_h = d->in_h, in_w = d->in_w;
  const int32_t out_h = d->out_h, out_w = d->out_w, f_h = d->f_h, f_w = d->f_w;
  const int32_t stride_h = d->stride_h, stride_w = d->stride_w, pad_h = d->pad_h, pad_w = d->pad_w;
  const int32_t act_min = d->act_min, act_max = d->act_max;
  const size_t row = (size_t)in_w * depth;
  const uint32_t lo4 = bt_dup8(act_min), hi4 = bt_dup8(act_max);
  int8_t *po = out;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *inb = in + (size_t)b * in_h * row;
    for (int32_t oy = 0; oy < out_h; oy++) {
      const int32_t y0 = oy * stride_h - pad_h;
      const int32_t fy0 = y0 < 0 ? -y0 : 0;
      const int32_t fy1 = f_h < in_h - y0 ? f_h : in_h - y0;
      const int32_t nh = fy1 - fy0;
      const int8_t *prow = inb + (size_t)(y0 + fy0) * row;
      for (int32_t ox = 0; ox < out_w; ox++, po += depth) {
        const int32_t x0 = ox * stride_w - pad_w;
        const int32_t fx0 = x0 < 0 ? -x0 : 0;
        const int32_t fx1 = f_w < in_w - x0 ? f_w : in_w - x0;
        const int32_t nw = fx1 - fx0;
        /* top-left valid tap of the clipped window */
        const int8_t *p0 = prow + (size_t)(x0 + fx0) * depth;
        int32_t ch = 0;
        for (; ch + 8 <= depth; ch += 8) {            /* 8 channels: half the loop overhead */
          uint32_t m0 = 0x80808080u, m1 = 0x80808080u;   /* -128 in every lane */
          const int8_t *pr = p0 + ch;
          for (int32_t fy = 0; fy < nh; fy++, pr += row) {
            const int8_t *p = pr;
            for (int32_t fx = 0; fx < nw; fx++, p += depth) {
              m0 = bt_max8(m0, bt_ld32(p));
              m1 = bt_max8(m1, bt_ld32(p + 4));
            }
          }
          bt_st32(po + ch, bt_min8(bt_max8(m0, lo4), hi4));
          bt_st32(po + ch + 4, bt_min8(bt_max8(m1, lo4), hi4));
        }
        for (; ch < d4; ch += 4) {
          uint32_t m = 0x80808080u;
          const int8_t *pr = p0 + ch;
          for (int32_t fy = 0; fy < nh; fy++, pr += row) {
            const int8_t *p = pr;
            for (int32_t fx = 0; fx < nw; fx++, p += depth) m = bt_max8(m, bt_ld32(p));
          }
          bt_st32(po + ch, bt_min8(bt_max8(m, lo4), hi4));
        }
        for (; ch < depth; ch++) {                    /* 0..3 leftover channels */
          int32_t mx = -128;
          const int8_t *pr = p0 + ch;
          for (int32_t fy = 0; fy < nh; fy++, pr += row)
            for (int32_t fx = 0; fx < nw; fx++)
              if (pr[(size_t)fx * depth] > mx) mx = pr[(size_t)fx * depth];
          po[ch] = (int8_t)bt_clamp_i32(mx, act_min, act_max);
        }
      }
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_pool_max = {BT_BUILTIN_MAX_POOL_2D, "MAX_POOL_2D", prepare, eval};
