/* ADD int8 with broadcasting: TFLM's reference integer path (both inputs
 * rescaled to a common 2^20 fixed-point scale, summed, rescaled to output). */
#include "bt/op.h"
#include "bt/quant.h"
#include "bcast_common.h"

typedef struct {
  bt_bcast bc;
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
  if (bt_bcast_init(&d->bc, a, b, out)) return bt_fail(c, BT_ERR_SHAPE, "shapes do not broadcast");
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

static bt_status eval(bt_ctx *c) {
  const add_data *d = bt_op_data(c);
  const int8_t *x1 = bt_input(c, 0)->data, *x2 = bt_input(c, 1)->data;
  int8_t *y = bt_output(c, 0)->data;
  const bt_bcast *bc = &d->bc;
  int32_t idx[BT_BCAST_MAX_DIMS] = {0};
  int32_t o1 = 0, o2 = 0;
  for (int32_t i = 0; i < bc->total; i++) {
    int32_t v1 = (d->in1_off + x1[o1]) * (1 << 20);
    int32_t v2 = (d->in2_off + x2[o2]) * (1 << 20);
    int32_t sum = bt_mbqm_lt_one(v1, d->m1, d->s1) + bt_mbqm_lt_one(v2, d->m2, d->s2);
    int32_t r = bt_mbqm_lt_one(sum, d->mo, d->so) + d->out_off;
    y[i] = (int8_t)bt_clamp_i32(r, d->act_min, d->act_max);
    /* Advance the output odometer and both input offsets. */
    for (int k = bc->n - 1; k >= 0; k--) {
      o1 += bc->s1[k];
      o2 += bc->s2[k];
      if (++idx[k] < bc->dims[k]) break;
      o1 -= bc->s1[k] * bc->dims[k];
      o2 -= bc->s2[k] * bc->dims[k];
      idx[k] = 0;
    }
  }
  return BT_OK;
}

const bt_op_reg bt_op_add = {BT_BUILTIN_ADD, "ADD", prepare, eval};
