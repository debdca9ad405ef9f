/* AVERAGE_POOL_2D int8: TFLM reference_integer_ops::AveragePool. The window
 * is clipped to the image (padding is not counted), the sum is divided by the
 * number of valid taps rounding half away from zero, then clamped to the
 * fused activation range. Input and output share quantization (no rescale). */
#include "pool_common.h"
#include "bt/quant.h"

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_pool_data *d;
  return bt_pool_prepare(c, &d);
}

static bt_status eval(bt_ctx *c) {
  const bt_pool_data *d = bt_op_data(c);
  const int8_t *in = bt_input(c, 0)->data;
  int8_t *out = bt_output(c, 0)->data;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *inb = in + (size_t)b * d->in_h * d->in_w * d->depth;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      const int32_t fy0 = y0 < 0 ? -y0 : 0;
      const int32_t fy1 = d->f_h < d->in_h - y0 ? d->f_h : d->in_h - y0;
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        const int32_t fx0 = x0 < 0 ? -x0 : 0;
        const int32_t fx1 = d->f_w < d->in_w - x0 ? d->f_w : d->in_w - x0;
        int8_t *po = out + (((size_t)b * d->out_h + oy) * d->out_w + ox) * d->depth;
        /* count > 0 always: prepare's output-size check guarantees every
         * window overlaps the image. */
        int32_t count = (fy1 - fy0) * (fx1 - fx0);
        if (count <= 0) count = 1;
        for (int32_t ch = 0; ch < d->depth; ch++) {
          int32_t acc = 0;
          for (int32_t fy = fy0; fy < fy1; fy++)
            for (int32_t fx = fx0; fx < fx1; fx++)
              acc += inb[((size_t)(y0 + fy) * d->in_w + (x0 + fx)) * d->depth + ch];
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          po[ch] = (int8_t)bt_clamp_i32(acc, d->act_min, d->act_max);
        }
      }
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_pool_avg = {BT_BUILTIN_AVERAGE_POOL_2D, "AVERAGE_POOL_2D", prepare, eval};
