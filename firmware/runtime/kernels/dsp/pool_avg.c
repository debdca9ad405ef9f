/* AVERAGE_POOL_2D int8, BT_KERNELS=dsp: same results as kernels/ref/
 * pool_avg.c (shared prepare in ref/pool_common.c). Channels are contiguous
 * (NHWC): each tap is one word load of 4 channels accumulated into two packed
 * int16 sums by SXTAB16 (bytes 0,2) and SXTAB16 ROR 8 (bytes 1,3), i.e. 4
 * adds per 3 instructions, 8 channels per pass when possible. 16-bit lanes
 * are exact while the window has <= 256 valid taps (|sum| <= 256 * 128 =
 * 32768 still fits int16 at -32768, positive sums <= 256 * 127); larger
 * windows take 32-bit sums. The division rounds half away from zero exactly
 * as the ref loop does, per channel. */
#include "pool_common.h"
#include "bt/quant.h"
#include "dsp_simd.h"

/* Rounded mean and activation clamp of one channel sum (the ref epilogue). */
static inline int8_t avg_out(const bt_pool_data *d, int32_t acc, int32_t count) {
  acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
  return (int8_t)bt_clamp_i32(acc, d->act_min, d->act_max);
}

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_pool_data *d;
  return bt_pool_prepare(c, &d);
}

/* One output pixel: p0 = top-left valid tap, nh x nw valid taps. */
static void pixel(const bt_pool_data *d, const int8_t *p0, size_t row, int32_t nh, int32_t nw,
                  int8_t *po) {
  const int32_t depth = d->depth;
  int32_t count = nh * nw;
  if (count <= 0) count = 1;   /* unreachable: prepare guarantees overlap */
  int32_t ch = 0;
  if (count <= 256) {
    for (; ch + 8 <= depth; ch += 8) {
      uint32_t s02 = 0, s13 = 0, s46 = 0, s57 = 0;
      const int8_t *pr = p0 + ch;
      for (int32_t fy = 0; fy < nh; fy++, pr += row) {
        const int8_t *p = pr;
        for (int32_t fx = 0; fx < nw; fx++, p += depth) {
          uint32_t v0 = bt_ld32(p), v1 = bt_ld32(p + 4);
          s02 = bt_sxtab16(s02, v0);
          s13 = bt_sxtab16_ror8(s13, v0);
          s46 = bt_sxtab16(s46, v1);
          s57 = bt_sxtab16_ror8(s57, v1);
        }
      }
      po[ch + 0] = avg_out(d, bt_half_lo(s02), count);
      po[ch + 1] = avg_out(d, bt_half_lo(s13), count);
      po[ch + 2] = avg_out(d, bt_half_hi(s02), count);
      po[ch + 3] = avg_out(d, bt_half_hi(s13), count);
      po[ch + 4] = avg_out(d, bt_half_lo(s46), count);
      po[ch + 5] = avg_out(d, bt_half_lo(s57), count);
      po[ch + 6] = avg_out(d, bt_half_hi(s46), count);
      po[ch + 7] = avg_out(d, bt_half_hi(s57), count);
    }
    for (; ch + 4 <= depth; ch += 4) {
      uint32_t s02 = 0, s13 = 0;
      const int8_t *pr = p0 + ch;
      for (int32_t fy = 0; fy < nh; fy++, pr += row) {
        const int8_t *p = pr;
        for (int32_t fx = 0; fx < nw; fx++, p += depth) {
          uint32_t v = bt_ld32(p);
          s02 = bt_sxtab16(s02, v);
          s13 = bt_sxtab16_ror8(s13, v);
        }
      }
      po[ch + 0] = avg_out(d, bt_half_lo(s02), count);
      po[ch + 1] = avg_out(d, bt_half_lo(s13), count);
      po[ch + 2] = avg_out(d, bt_half_hi(s02), count);
      po[ch + 3] = avg_out(d, bt_half_hi(s13), count);
    }
  }
  for (; ch < depth; ch++) {   /* leftover channels, or windows > 256 taps */
    int32_t acc = 0;
    const int8_t *pr = p0 + ch;
    for (int32_t fy = 0; fy < nh; fy++, pr += row)
      for (int32_t fx = 0; fx < nw; fx++) acc += pr[(size_t)fx * depth];
    po[ch] = avg_out(d, acc, count);
  }
}

static bt_status eval(bt_ctx *c) {
  const bt_pool_data *d = bt_op_data(c);
  const int8_t *in = bt_input(c, 0)->data;
  int8_t *out = bt_output(c, 0)->data;
  const size_t row = (size_t)d->in_w * d->depth;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *inb = in + (size_t)b * d->in_h * row;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      const int32_t fy0 = y0 < 0 ? -y0 : 0;
      const int32_t fy1 = d->f_h < d->in_h - y0 ? d->f_h : d->in_h - y0;
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        const int32_t fx0 = x0 < 0 ? -x0 : 0;
        const int32_t fx1 = d->f_w < d->in_w - x0 ? d->f_w : d->in_w - x0;
        pixel(d, inb + (size_t)(y0 + fy0) * row + (size_t)(x0 + fx0) * d->depth, row,
              fy1 - fy0, fx1 - fx0, out + (((size_t)b * d->out_h + oy) * d->out_w + ox) * d->depth);
      }
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_pool_avg = {BT_BUILTIN_AVERAGE_POOL_2D, "AVERAGE_POOL_2D", prepare, eval};
