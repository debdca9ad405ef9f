/* Row decomposition of a broadcast (ref/bcast_common.h) for the dsp ADD/MUL:
 * trailing dimensions are merged while both inputs stay contiguous (or both
 * constant) across them, so same-shape operands become ONE row and
 * "tensor op per-channel vector" becomes rows over the channel axis. Each
 * row then has per-input strides 0 (repeat one value) or 1. */
#ifndef BT_KERNELS_DSP_ELEMENTWISE_ROWS_H
#define BT_KERNELS_DSP_ELEMENTWISE_ROWS_H
#include <stdint.h>
#include "ref/bcast_common.h"

typedef struct {
  bt_bcast outer;      /* odometer over the dims left of the row (n may be 0) */
  int32_t len;         /* row length */
  int32_t sa, sb;      /* row strides of the inputs: 0 or 1 */
} bt_rows;

/* Splits bc into outer dims and one row; always succeeds (worst case the
 * row is the last dim alone, stride 0 or 1 by construction). */
static inline void bt_rows_init(bt_rows *r, const bt_bcast *bc) {
  int k = bc->n - 1;
  int32_t len = bc->dims[k], sa = bc->s1[k], sb = bc->s2[k];
  /* dims of extent 1 have stride 0; treat them as contiguous with anything */
  while (k > 0) {
    int32_t d = bc->dims[k - 1], a = bc->s1[k - 1], b = bc->s2[k - 1];
    int ok_a = d == 1 || (sa == 0 && a == 0) || (sa == 1 && a == len) || (len == 1 && a == 1 && sa == 0);
    int ok_b = d == 1 || (sb == 0 && b == 0) || (sb == 1 && b == len) || (len == 1 && b == 1 && sb == 0);
    if (!ok_a || !ok_b) break;
    if (d != 1) {
      if (len == 1) { sa = a; sb = b; }   /* a row of one element takes the outer strides */
      len *= d;
    }
    k--;
  }
  r->len = len;
  r->sa = sa;
  r->sb = sb;
  r->outer.n = k;
  r->outer.total = 1;
  for (int i = 0; i < k; i++) {
    r->outer.dims[i] = bc->dims[i];
    r->outer.s1[i] = bc->s1[i];
    r->outer.s2[i] = bc->s2[i];
    r->outer.total *= bc->dims[i];
  }
}

/* Input offsets of the next row: advance the outer odometer. */
static inline void bt_rows_next(const bt_rows *r, int32_t *idx, int32_t *oa, int32_t *ob) {
  for (int k = r->outer.n - 1; k >= 0; k--) {
    *oa += r->outer.s1[k];
    *ob += r->outer.s2[k];
    if (++idx[k] < r->outer.dims[k]) return;
    *oa -= r->outer.s1[k] * r->outer.dims[k];
    *ob -= r->outer.s2[k] * r->outer.dims[k];
    idx[k] = 0;
  }
}

#endif
