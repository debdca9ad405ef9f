/* ADD int8 with broadcasting, BT_KERNELS=dsp: same results as kernels/ref/
 * add.c (TFLM's reference integer path: both inputs rescaled to a common
 * 2^20 fixed-point scale, summed, rescaled to the output; prepare is the
 * ref's). Faster because
 *  - the broadcast is walked by rows (dsp/elementwise_rows.h) instead of a
 *    6-D odometer step per element; a repeated operand's rescaled term is
 *    computed once per row;
 *  - contiguous operands are read 4 bytes per LDR and widened with their
 *    offset by SXTAB16 (two lanes per instruction), results are packed and
 *    written 4 bytes per STR.
 * Each element goes through the same requantization on the same int32 values
 * as the ref (bt_mbqm_lt_one, inlined as bt_dsp_mbqm), so the bits are the ref's. */
#include "bt/op.h"
#include "bt/quant.h"
#include "dsp_simd.h"
#include "dsp_requant.h"
#include "elementwise_rows.h"

typedef struct {
  bt_rows rows;
  int32_t in1_off, in2_off, out_off;
  int32_t m1, m2, mo;
  int s1, s2, so;
  int32_t act_min, act_max;
} add_data;

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *a = bt_input(c, 0), *b = bt_input(c, 1), *out = bt_output(c, 0);
  if (!a || !b || !out) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  if (a->type != BT_INT8 || b->type != BT_INT8 || out->type != BT_INT8)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "int8 only");
  if (!a->q_count || !b->q_count || !out->q_count) return bt_fail(c, BT_ERR_QUANT, "not quantized");
  add_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  bt_bcast bc;
  if (bt_bcast_init(&bc, a, b, out)) return bt_fail(c, BT_ERR_SHAPE, "shapes do not broadcast");
  bt_rows_init(&d->rows, &bc);
  d->in1_off = -bt_tensor_zero_point(a, 0);
  d->in2_off = -bt_tensor_zero_point(b, 0);
  d->out_off = bt_tensor_zero_point(out, 0);
  float sa = bt_tensor_scale(a, 0), sb = bt_tensor_scale(b, 0);
  /* max() taken in float, then widened, as TFLM does. */
  double twice_max = 2.0 * (double)(sa > sb ? sa : sb);
  if (bt_quantize_multiplier_lt_one((double)sa / twice_max, &d->m1, &d->s1) ||
      bt_quantize_multiplier_lt_one((double)sb / twice_max, &d->m2, &d->s2) ||
      bt_quantize_multiplier_lt_one(twice_max / ((double)(1 << 20) * (double)bt_tensor_scale(out, 0)),
                                    &d->mo, &d->so))
    return bt_fail(c, BT_ERR_QUANT, "scales out of range");
  if (bt_act_range_q(bt_opt_u8(c, 0, BT_ACT_NONE), out, &d->act_min, &d->act_max))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "unsupported fused activation");
  return BT_OK;
}

/* One input's rescaled term from its offset-corrected value (-255..255). */
/* bt_mbqm_lt_one(x, q, s) (s <= 0 from bt_quantize_multiplier_lt_one) is
 * bt_mbqm(x, q, s): no left shift, RoundingDivideByPOT(-s); bt_dsp_mbqm is
 * that function inlined (dsp_requant.h). */
static inline int32_t term(int32_t v, int32_t m, int s) { return bt_dsp_mbqm(v * (1 << 20), m, s); }

static inline uint32_t out8(const add_data *d, int32_t t1, int32_t t2) {
  int32_t r = bt_dsp_mbqm(t1 + t2, d->mo, d->so) + d->out_off;
  return (uint8_t)(int8_t)bt_clamp_i32(r, d->act_min, d->act_max);
}

/* y[i] = a[i] + b[i], both contiguous. */
static void row_both(const add_data *d, const int8_t *a, const int8_t *b, int8_t *y, int32_t n) {
  const uint32_t o1 = bt_dup16(d->in1_off), o2 = bt_dup16(d->in2_off);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t va = bt_ld32(a + i), vb = bt_ld32(b + i);
    uint32_t a02 = bt_sxtab16(o1, va), a13 = bt_sxtab16_ror8(o1, va);
    uint32_t b02 = bt_sxtab16(o2, vb), b13 = bt_sxtab16_ror8(o2, vb);
    uint32_t r = out8(d, term(bt_half_lo(a02), d->m1, d->s1), term(bt_half_lo(b02), d->m2, d->s2));
    r |= out8(d, term(bt_half_lo(a13), d->m1, d->s1), term(bt_half_lo(b13), d->m2, d->s2)) << 8;
    r |= out8(d, term(bt_half_hi(a02), d->m1, d->s1), term(bt_half_hi(b02), d->m2, d->s2)) << 16;
    r |= out8(d, term(bt_half_hi(a13), d->m1, d->s1), term(bt_half_hi(b13), d->m2, d->s2)) << 24;
    bt_st32(y + i, r);
  }
  for (; i < n; i++)
    y[i] = (int8_t)out8(d, term(d->in1_off + a[i], d->m1, d->s1), term(d->in2_off + b[i], d->m2, d->s2));
}

/* y[i] = x[i] (+) t: x contiguous with offset/multiplier (off, m, s), t the
 * repeated input's term, computed once (t1 + t2 is an int32 add: commutes). */
static void row_one(const add_data *d, const int8_t *x, int32_t off, int32_t m, int s, int32_t t,
                    int8_t *y, int32_t n) {
  const uint32_t o = bt_dup16(off);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t v = bt_ld32(x + i);
    uint32_t e = bt_sxtab16(o, v), od = bt_sxtab16_ror8(o, v);
    uint32_t r = out8(d, term(bt_half_lo(e), m, s), t);
    r |= out8(d, term(bt_half_lo(od), m, s), t) << 8;
    r |= out8(d, term(bt_half_hi(e), m, s), t) << 16;
    r |= out8(d, term(bt_half_hi(od), m, s), t) << 24;
    bt_st32(y + i, r);
  }
  for (; i < n; i++) y[i] = (int8_t)out8(d, term(off + x[i], m, s), t);
}

static bt_status eval(bt_ctx *c) {
  const add_data *d = bt_op_data(c);
  const int8_t *x1 = bt_input(c, 0)->data, *x2 = bt_input(c, 1)->data;
  int8_t *y = bt_output(c, 0)->data;
  const bt_rows *r = &d->rows;
  if (r->len == 0) return BT_OK;   /* empty output: nothing to read */
  int32_t idx[BT_BCAST_MAX_DIMS] = {0};
  int32_t o1 = 0, o2 = 0;
  for (int32_t k = 0; k < r->outer.total; k++, y += r->len) {
    const int8_t *a = x1 + o1, *b = x2 + o2;
    if (r->sa && r->sb) {
      row_both(d, a, b, y, r->len);
    } else if (r->sa) {
      row_one(d, a, d->in1_off, d->m1, d->s1, term(d->in2_off + b[0], d->m2, d->s2), y, r->len);
    } else if (r->sb) {
      row_one(d, b, d->in2_off, d->m2, d->s2, term(d->in1_off + a[0], d->m1, d->s1), y, r->len);
    } else {
      const int8_t v = (int8_t)out8(d, term(d->in1_off + a[0], d->m1, d->s1),
                                    term(d->in2_off + b[0], d->m2, d->s2));
      for (int32_t i = 0; i < r->len; i++) y[i] = v;
    }
    bt_rows_next(r, idx, &o1, &o2);
  }
  return BT_OK;
}

const bt_op_reg bt_op_add = {BT_BUILTIN_ADD, "ADD", prepare, eval};
