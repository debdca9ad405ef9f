/* STRIDED_SLICE with begin/end/strides from constant int32 tensors, masks
 * begin/end/shrink_axis and the offset flag, TFLM's start/stop rules
 * (negative indices wrap once, then clamp; masks override). Element copy,
 * no requantization. ellipsis/new_axis masks and `offset` are rejected (the
 * golden TFLM's shape check ignores `offset`, so it has no usable meaning). */
#include <string.h>
#include "bt/op.h"

#define SS_MAX_DIMS 5   /* TFLM pads to 5-D */

typedef struct {
  int32_t rank;
  int32_t start[SS_MAX_DIMS], stop[SS_MAX_DIMS], stride[SS_MAX_DIMS];
  int32_t in_stride[SS_MAX_DIMS];   /* element stride of each input axis */
  uint32_t es;                       /* element size */
} ss_data;

static int32_t clampi(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_tensor *in = bt_input(c, 0), *b = bt_input(c, 1), *e = bt_input(c, 2), *s = bt_input(c, 3);
  bt_tensor *out = bt_output(c, 0);
  if (!in || !b || !e || !s || !out) return bt_fail(c, BT_ERR_GRAPH, "missing tensor");
  if (in->type != out->type || !bt_type_size(in->type)) return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "bad type");
  if (b->type != BT_INT32 || e->type != BT_INT32 || s->type != BT_INT32)
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "begin/end/strides must be int32");
  if (!(b->flags & BT_TENSOR_CONST) || !(e->flags & BT_TENSOR_CONST) || !(s->flags & BT_TENSOR_CONST))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "begin/end/strides must be constant");
  int rank = in->ndims;
  if (rank > SS_MAX_DIMS) return bt_fail(c, BT_ERR_SHAPE, "rank > 5");
  if (bt_tensor_num_elems(b) != rank || bt_tensor_num_elems(e) != rank || bt_tensor_num_elems(s) != rank)
    return bt_fail(c, BT_ERR_SHAPE, "begin/end/strides length != input rank");
  int32_t begin_mask = bt_opt_i32(c, 0, 0), end_mask = bt_opt_i32(c, 1, 0);
  int32_t shrink = bt_opt_i32(c, 4, 0);
  if (bt_opt_i32(c, 2, 0) || bt_opt_i32(c, 3, 0) || bt_opt_bool(c, 5, 0))
    return bt_fail(c, BT_ERR_UNSUPPORTED_TYPE, "ellipsis/new_axis masks and offset not supported");
  ss_data *d = bt_op_data_alloc(c, sizeof *d);
  if (!d) return BT_ERR_ARENA_TOO_SMALL;
  const int32_t *bv = b->data, *ev = e->data, *sv = s->data;
  d->rank = rank;
  d->es = (uint32_t)bt_type_size(in->type);
  int32_t st = 1;
  for (int k = rank - 1; k >= 0; k--) {
    d->in_stride[k] = st;
    st *= bt_tensor_dim(in, k);
  }
  int od = 0;
  for (int k = 0; k < rank; k++) {
    int32_t size = bt_tensor_dim(in, k), stride = sv[k];
    if (stride == 0) return bt_fail(c, BT_ERR_SHAPE, "zero stride");
    int32_t start = bv[k];
    if (start < 0) start += size;
    start = stride > 0 ? clampi(start, 0, size) : clampi(start, -1, size - 1);
    if (begin_mask & (1 << k)) start = stride > 0 ? 0 : size - 1;
    int32_t stop;
    if (shrink & (1 << k)) {
      stop = start >= size ? start : start + 1;
    } else {
      stop = ev[k];
      if (stop < 0) stop += size;
      stop = stride > 0 ? clampi(stop, 0, size) : clampi(stop, -1, size - 1);
      if (end_mask & (1 << k)) stop = stride > 0 ? size : -1;
    }
    d->start[k] = start;
    d->stop[k] = stop;
    d->stride[k] = stride;
    /* Output extent: ceil((stop - start) / stride), at least 0. */
    int32_t span = stop - start;
    /* int64: stride may be INT32_MAX/INT32_MIN (found by firmware/fuzz). */
    int64_t sp = span, sd = stride;
    int32_t n = (int32_t)(sd > 0 ? (sp + sd - 1) / sd : (-sp - sd - 1) / -sd);
    if (span == 0 || (span > 0) != (stride > 0)) n = 0;
    if (!(shrink & (1 << k))) {
      if (od >= out->ndims || bt_tensor_dim(out, od) != n)
        return bt_fail(c, BT_ERR_SHAPE, "output shape mismatch");
      od++;
    } else if (n != 1) {
      return bt_fail(c, BT_ERR_SHAPE, "shrunk axis out of range");
    }
  }
  if (od != out->ndims && !(od == 0 && bt_tensor_num_elems(out) == 1))
    return bt_fail(c, BT_ERR_SHAPE, "output rank mismatch");
  return BT_OK;
}

static int done(int32_t i, int32_t stop, int32_t stride) { return stride > 0 ? i >= stop : i <= stop; }

static bt_status eval(bt_ctx *c) {
  const ss_data *d = bt_op_data(c);
  const uint8_t *x = bt_input(c, 0)->data;
  uint8_t *y = bt_output(c, 0)->data;
  int32_t idx[SS_MAX_DIMS];
  int rank = d->rank;
  for (int k = 0; k < rank; k++)
    if (done(d->start[k], d->stop[k], d->stride[k])) return BT_OK;   /* empty output */
  for (int k = 0; k < rank; k++) idx[k] = d->start[k];
  for (;;) {
    int32_t off = 0;
    for (int k = 0; k < rank; k++) off += idx[k] * d->in_stride[k];
    memcpy(y, x + (size_t)off * d->es, d->es);
    y += d->es;
    int k = rank - 1;
    for (; k >= 0; k--) {
      int64_t next = (int64_t)idx[k] + d->stride[k];   /* no int32 overflow on a huge stride */
      if (d->stride[k] > 0 ? next < d->stop[k] : next > d->stop[k]) { idx[k] = (int32_t)next; break; }
      idx[k] = d->start[k];
    }
    if (k < 0) break;
  }
  return BT_OK;
}

const bt_op_reg bt_op_strided_slice = {BT_BUILTIN_STRIDED_SLICE, "STRIDED_SLICE", prepare, eval};
