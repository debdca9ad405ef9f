/* N-D broadcasting of two inputs onto an output (numpy rules, right-aligned,
 * size-1 dims repeat), up to 6 dims like TFLM's BroadcastAdd6DSlow. Used by
 * ADD and MUL; header-only, internal to kernels/ref. */
#ifndef BT_KERNELS_REF_BCAST_COMMON_H
#define BT_KERNELS_REF_BCAST_COMMON_H
#include <stdint.h>
#include "bt/tensor.h"

#define BT_BCAST_MAX_DIMS 6

typedef struct {
  int32_t n;                         /* output rank (>= 1) */
  int32_t dims[BT_BCAST_MAX_DIMS];   /* output dims */
  int32_t s1[BT_BCAST_MAX_DIMS];     /* element stride of input 1 per output dim (0 = repeat) */
  int32_t s2[BT_BCAST_MAX_DIMS];
  int32_t total;                     /* output elements */
} bt_bcast;

static inline int bt_bcast_strides(const bt_tensor *t, const bt_bcast *b, int32_t *s) {
  int32_t stride = 1;
  for (int i = b->n - 1; i >= 0; i--) {
    int k = (int)t->ndims - (b->n - i);       /* matching input axis */
    int32_t d = k >= 0 ? bt_tensor_dim(t, k) : 1;
    if (d == b->dims[i]) {
      s[i] = d == 1 ? 0 : stride;
    } else if (d == 1) {
      s[i] = 0;
    } else {
      return -1;
    }
    stride *= d;
  }
  return 0;
}

/* 0 on success; -1 if the shapes do not broadcast to `out`. */
static inline int bt_bcast_init(bt_bcast *b, const bt_tensor *a, const bt_tensor *c, const bt_tensor *out) {
  if (out->ndims > BT_BCAST_MAX_DIMS || a->ndims > out->ndims || c->ndims > out->ndims) return -1;
  b->n = out->ndims ? out->ndims : 1;
  b->total = 1;
  for (int i = 0; i < b->n; i++) {
    b->dims[i] = out->ndims ? bt_tensor_dim(out, i) : 1;
    b->total *= b->dims[i];
  }
  if (bt_bcast_strides(a, b, b->s1) || bt_bcast_strides(c, b, b->s2)) return -1;
  return 0;
}

#endif
