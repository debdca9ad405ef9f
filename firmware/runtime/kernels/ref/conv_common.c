/* CONV_2D / DEPTHWISE_CONV_2D shared prepare and reference loops, with the
 * arithmetic of TFLM's reference_integer_ops::ConvPerChannel /
 * DepthwiseConvPerChannel. Never dropped by BT_KERNELS=dsp (the dsp kernels
 * reuse prepare and fall back to these loops). */
#include "conv_common.h"

int32_t bt_conv_out_size(int padding, int32_t in, int32_t filt, int32_t stride, int32_t dil) {
  int64_t eff = (int64_t)(filt - 1) * dil + 1;
  if (padding == 0) return (int32_t)(((int64_t)in + stride - 1) / stride);   /* SAME */
  return (int32_t)(((int64_t)in + stride - eff) / stride);                   /* VALID */
}

int32_t bt_conv_padding(int32_t stride, int32_t dil, int32_t in, int32_t filt, int32_t out) {
  int64_t eff = (int64_t)(filt - 1) * dil + 1;
  int64_t total = (int64_t)(out - 1) * stride + eff - in;
  /* TFLM keeps total % 2 as a separate "offset" the reference kernels
   * ignore: the extra row/column of SAME padding goes after the data. */
  return total > 0 ? (int32_t)(total / 2) : 0;
}

BT_COLD bt_status bt_conv_act_range(bt_ctx *c, int act, const bt_tensor *out, int32_t *mn, int32_t *mx) {
  /* TFLM's range helper clamps only for RELU/RELU6/RELU_N1_TO_1; any other
   * fused activation leaves the full type range (checked against the wheel). */
  if (act == BT_ACT_TANH || act == BT_ACT_SIGN_BIT) act = BT_ACT_NONE;
  bt_status s = bt_act_range_q(act, out, mn, mx);
  if (s != BT_OK) return bt_fail(c, s, "bad activation");
  return BT_OK;
}

static int per_tensor_ok(const bt_tensor *t) {
  return t->q_count >= 1 && bt_tensor_scale(t, 0) > 0.0f;
}

BT_COLD_OS bt_status bt_conv_prepare(bt_ctx *c, int kind, bt_conv_data **out_data) {
  const int dw = kind == BT_CONV_KIND_DEPTHWISE;
  bt_tensor *in = bt_input(c, 0), *f = bt_input(c, 1), *b = bt_input(c, 2), *out = bt_output(c, 0);
  if (!in || !f || !out) return bt_fail(c, BT_ERR_GRAPH, "missing input/filter/output");
  if (in->type != BT_INT8 || f->type != BT_INT8 || out->type != BT_INT8)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 only");
  if (b && b->type != BT_INT32) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "bias not int32");
  if (!(f->flags & BT_TENSOR_CONST) || (b && !(b->flags & BT_TENSOR_CONST)))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "filter/bias not constant");
  if (in->ndims != 4 || f->ndims != 4 || out->ndims != 4)
    return bt_fail(c, BT_ERR_SHAPE, "not 4-D");

  /* Options: same leading fields in Conv2DOptions / DepthwiseConv2DOptions;
   * depthwise has depth_multiplier at 3, shifting the rest by one. */
  int padding = bt_opt_u8(c, 0, 0);
  int32_t sw = bt_opt_i32(c, 1, 0), sh = bt_opt_i32(c, 2, 0);
  int act = bt_opt_u8(c, dw ? 4 : 3, BT_ACT_NONE);
  int32_t dilw = bt_opt_i32(c, dw ? 5 : 4, 1), dilh = bt_opt_i32(c, dw ? 6 : 5, 1);
  if (padding > 1) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "unknown padding");
  if (sw < 1 || sh < 1 || dilw < 1 || dilh < 1)
    return bt_fail(c, BT_ERR_SHAPE, "stride/dilation < 1");

  int32_t nb = bt_tensor_dim(in, 0), ih = bt_tensor_dim(in, 1), iw = bt_tensor_dim(in, 2),
          ic = bt_tensor_dim(in, 3);
  int32_t kh = bt_tensor_dim(f, 1), kw = bt_tensor_dim(f, 2);
  int32_t oc = bt_tensor_dim(out, 3);
  if (nb < 1 || ih < 1 || iw < 1 || ic < 1 || kh < 1 || kw < 1 || oc < 1)
    return bt_fail(c, BT_ERR_SHAPE, "empty dimension");
  if ((int64_t)(kh - 1) * dilh + 1 > 0xFFFF || (int64_t)(kw - 1) * dilw + 1 > 0xFFFF ||
      sh > 0xFFFF || sw > 0xFFFF)
    return bt_fail(c, BT_ERR_SHAPE, "filter/stride > 65535");
  int32_t fic, dm = 1;
  if (dw) {
    if (bt_tensor_dim(f, 0) != 1 || bt_tensor_dim(f, 3) != oc)
      return bt_fail(c, BT_ERR_SHAPE, "filter dims");
    if (oc % ic) return bt_fail(c, BT_ERR_SHAPE, "bad depth multiplier");
    dm = oc / ic;
    fic = 1;
  } else {
    fic = bt_tensor_dim(f, 3);
    if (bt_tensor_dim(f, 0) != oc) return bt_fail(c, BT_ERR_SHAPE, "filter/output depth");
    if (fic < 1 || ic % fic) return bt_fail(c, BT_ERR_SHAPE, "input/filter depth");
    int32_t groups = ic / fic;
    if (oc % groups) return bt_fail(c, BT_ERR_SHAPE, "output depth vs groups");
  }
  int32_t oh = bt_conv_out_size(padding, ih, kh, sh, dilh);
  int32_t ow = bt_conv_out_size(padding, iw, kw, sw, dilw);
  if (bt_tensor_dim(out, 0) != nb || bt_tensor_dim(out, 1) != oh || bt_tensor_dim(out, 2) != ow)
    return bt_fail(c, BT_ERR_SHAPE, "output shape");
  if (oh < 1 || ow < 1) return bt_fail(c, BT_ERR_SHAPE, "empty output");
  if (b && bt_tensor_num_elems(b) != oc) return bt_fail(c, BT_ERR_SHAPE, "bias size");

  if (!per_tensor_ok(in) || !per_tensor_ok(out) || f->q_count == 0)
    return bt_fail(c, BT_ERR_QUANT, "bad quantization");
  if (f->q_count > 1 && (f->q_count != oc || f->q_dim != (dw ? 3 : 0)))
    return bt_fail(c, BT_ERR_QUANT, "per-channel axis");

  bt_conv_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  d->mult = bt_alloc_persistent(c, sizeof(int32_t) * (size_t)oc);
  d->shift = bt_alloc_persistent(c, (size_t)oc);
  if (!d->mult || !d->shift) return BT_ERR_ARENA_TOO_SMALL;

  d->batches = nb; d->in_h = ih; d->in_w = iw; d->in_c = ic;
  d->out_h = oh; d->out_w = ow; d->out_c = oc;
  d->k_h = (uint16_t)kh; d->k_w = (uint16_t)kw; d->filter_in_c = fic; d->depth_mult = dm;
  d->stride_h = (uint16_t)sh; d->stride_w = (uint16_t)sw;
  d->dil_h = (uint16_t)dilh; d->dil_w = (uint16_t)dilw;
  d->pad_h = (uint16_t)bt_conv_padding(sh, dilh, ih, kh, oh);
  d->pad_w = (uint16_t)bt_conv_padding(sw, dilw, iw, kw, ow);
  int32_t in_zp = bt_tensor_zero_point(in, 0), out_zp = bt_tensor_zero_point(out, 0);
  if (in_zp < -128 || in_zp > 127 || out_zp < -128 || out_zp > 127)
    return bt_fail(c, BT_ERR_QUANT, "zero point out of range");
  d->in_offset = (int16_t)-in_zp;
  d->out_offset = (int16_t)out_zp;
  d->scratch_idx = -1;
  d->flags = 0;

  /* TFLM PopulateConvolutionQuantizationParams: the scale product is taken
   * in double (unlike the float product of the per-tensor FC path); a
   * per-tensor filter scale is broadcast to every channel. */
  const double in_s = (double)bt_tensor_scale(in, 0), out_s = (double)bt_tensor_scale(out, 0);
  for (int32_t i = 0; i < oc; i++) {
    double m = in_s * (double)bt_tensor_scale(f, f->q_count > 1 ? i : 0) / out_s;
    int s;
    bt_quantize_multiplier(m, &d->mult[i], &s);
    if (s > 31) return bt_fail(c, BT_ERR_QUANT, "multiplier too large");
    d->shift[i] = (int8_t)s;   /* >= -31 by bt_quantize_multiplier */
  }
  int32_t amin, amax;
  bt_status s = bt_conv_act_range(c, act, out, &amin, &amax);
  if (s != BT_OK) return s;
  d->act_min = (int16_t)amin;
  d->act_max = (int16_t)amax;
  *out_data = d;
  return BT_OK;
}

void bt_conv_ref_eval(const bt_conv_data *d, const int8_t *in, const int8_t *filter,
                      const int32_t *bias, int8_t *out) {
  const int32_t ih = d->in_h, iw = d->in_w, ic = d->in_c, fic = d->filter_in_c;
  const int32_t oc_per_group = d->out_c / (ic / fic);
  const size_t f_stride = (size_t)d->k_h * d->k_w * fic;   /* one output channel */
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *inb = in + (size_t)b * ih * iw * ic;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        for (int32_t o = 0; o < d->out_c; o++) {
          const int32_t g = o / oc_per_group;
          const int8_t *fo = filter + (size_t)o * f_stride;
          int32_t acc = 0;
          for (int32_t ky = 0; ky < d->k_h; ky++) {
            const int32_t y = y0 + ky * d->dil_h;
            if (y < 0 || y >= ih) continue;   /* zero padding contributes nothing */
            for (int32_t kx = 0; kx < d->k_w; kx++) {
              const int32_t x = x0 + kx * d->dil_w;
              if (x < 0 || x >= iw) continue;
              const int8_t *px = inb + ((size_t)y * iw + x) * ic + (size_t)g * fic;
              const int8_t *pf = fo + ((size_t)ky * d->k_w + kx) * fic;
              for (int32_t i = 0; i < fic; i++)
                acc = bt_wadd32(acc, pf[i] * (px[i] + d->in_offset));
            }
          }
          if (bias) acc = bt_wadd32(acc, bias[o]);
          out[(((size_t)b * d->out_h + oy) * d->out_w + ox) * d->out_c + o] = bt_conv_requant(d, acc, o);
        }
      }
    }
  }
}

void bt_depthwise_ref_eval(const bt_conv_data *d, const int8_t *in, const int8_t *filter,
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
          for (int32_t m = 0; m < dm; m++) {
            const int32_t o = c * dm + m;
            int32_t acc = 0;
            for (int32_t ky = 0; ky < d->k_h; ky++) {
              const int32_t y = y0 + ky * d->dil_h;
              if (y < 0 || y >= ih) continue;
              for (int32_t kx = 0; kx < d->k_w; kx++) {
                const int32_t x = x0 + kx * d->dil_w;
                if (x < 0 || x >= iw) continue;
                int32_t v = inb[((size_t)y * iw + x) * ic + c] + d->in_offset;
                acc = bt_wadd32(acc, filter[((size_t)ky * d->k_w + kx) * oc + o] * v);
              }
            }
            if (bias) acc = bt_wadd32(acc, bias[o]);
            po[o] = bt_conv_requant(d, acc, o);
          }
        }
      }
    }
  }
}
