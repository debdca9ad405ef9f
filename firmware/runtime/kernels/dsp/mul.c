/* MUL int8 with broadcasting, BT_KERNELS=dsp: same results as kernels/ref/
 * mul.c (TFLM's reference integer path: product of the zero-point-corrected
 * inputs, one output multiplier; prepare is the ref's). The broadcast is
 * walked by rows (dsp/elementwise_rows.h); contiguous operands are read 4
 * bytes per LDR, widened with their offsets by SXTAB16 and multiplied two
 * lanes at a time by SMULBB/SMULTT (exact 16x16 products, as the ref's int32
 * product of values in -255..255); outputs are written 4 bytes per STR.
 * The requantization is dsp_requant.h's inlined bt_dsp_mbqm, the same
 * function as bt/quant.h's bt_mbqm (checked against it on Arm and host). */
#include "bt/op.h"
#include "bt/quant.h"
#include "dsp_simd.h"
#include "dsp_requant.h"
#include "elementwise_rows.h"

typedef struct {
  bt_rows rows;
  int32_t in1_off, in2_off, out_off;
  int32_t mult;
  int shift;
  int32_t act_min, act_max;
} mul_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *a = bt_input(c, 0), *b = bt_input(c, 1), *out = bt_output(c, 0);
  if (!a || !b || !out) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  if (a->type != BT_INT8 || b->type != BT_INT8 || out->type != BT_INT8)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 only");
  if (!a->q_count || !b->q_count || !out->q_count) return bt_fail(c, BT_ERR_QUANT, "not quantized");
  mul_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  bt_bcast bc;
  if (bt_bcast_init(&bc, a, b, out)) return bt_fail(c, BT_ERR_SHAPE, "shapes do not broadcast");
  bt_rows_init(&d->rows, &bc);
  d->in1_off = -bt_tensor_zero_point(a, 0);
  d->in2_off = -bt_tensor_zero_point(b, 0);
  d->out_off = bt_tensor_zero_point(out, 0);
  double m = (double)bt_tensor_scale(a, 0) * (double)bt_tensor_scale(b, 0) /
             (double)bt_tensor_scale(out, 0);
  bt_quantize_multiplier(m, &d->mult, &d->shift);
  if (bt_act_range_q(bt_opt_u8(c, 0, BT_ACT_NONE), out, &d->act_min, &d->act_max))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "unsupported fused activation");
  return BT_OK;
}

static inline uint32_t out8(const mul_data *d, int32_t p) {
  int32_t r = bt_dsp_mbqm(p, d->mult, d->shift) + d->out_off;   /* == bt_mbqm, inlined */
  return (uint8_t)(int8_t)bt_clamp_i32(r, d->act_min, d->act_max);
}

/* y[i] = x[i] * z[i]: x contiguous with offset ox; z contiguous (sz = 1) or
 * repeated (sz = 0, its widened value in every lane) with offset oz. The
 * int32 product commutes, so either input may be x. */
static void row(const mul_data *d, const int8_t *x, int32_t ox, const int8_t *z, int32_t oz, int sz,
                int8_t *y, int32_t n) {
  const uint32_t o1 = bt_dup16(ox), o2 = bt_dup16(oz);
  const uint32_t zconst = bt_dup16(oz + z[0]);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t vx = bt_ld32(x + i);
    uint32_t x02 = bt_sxtab16(o1, vx), x13 = bt_sxtab16_ror8(o1, vx), z02 = zconst, z13 = zconst;
    if (sz) {
      uint32_t vz = bt_ld32(z + i);
      z02 = bt_sxtab16(o2, vz);
      z13 = bt_sxtab16_ror8(o2, vz);
    }
    uint32_t r = out8(d, bt_smulbb(x02, z02));
    r |= out8(d, bt_smulbb(x13, z13)) << 8;
    r |= out8(d, bt_smultt(x02, z02)) << 16;
    r |= out8(d, bt_smultt(x13, z13)) << 24;
    bt_st32(y + i, r);
  }
  for (; i < n; i++) y[i] = (int8_t)out8(d, (ox + x[i]) * (oz + z[sz ? i : 0]));
}

static bt_status eval(bt_ctx *c) {
  const mul_data *d = bt_op_data(c);
  const int8_t *x1 = bt_input(c, 0)->data, *x2 = bt_input(c, 1)->data;
  int8_t *y = bt_output(c, 0)->data;
  const bt_rows *r = &d->rows;
  if (r->len == 0) return BT_OK;   /* empty output: nothing to read */
  int32_t idx[BT_BCAST_MAX_DIMS] = {0};
  int32_t o1 = 0, o2 = 0;
  for (int32_t k = 0; k < r->outer.total; k++, y += r->len) {
    const int8_t *a = x1 + o1, *b = x2 + o2;
    if (r->sa) {
      row(d, a, d->in1_off, b, d->in2_off, r->sb, y, r->len);
    } else if (r->sb) {
      row(d, b, d->in2_off, a, d->in1_off, 0, y, r->len);
    } else {
      const int8_t v = (int8_t)out8(d, (d->in1_off + a[0]) * (d->in2_off + b[0]));
      for (int32_t i = 0; i < r->len; i++) y[i] = v;
    }
    bt_rows_next(r, idx, &o1, &o2);
  }
  return BT_OK;
}

const bt_op_reg bt_op_mul = {BT_BUILTIN_MUL, "MUL", prepare, eval};
