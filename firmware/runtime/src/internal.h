/* Runtime-private helpers shared by the src files (not for kernels). */
#ifndef BT_INTERNAL_H
#define BT_INTERNAL_H
#include "bt/interp.h"
#include "bt/op.h"
#include "bt/log.h"

#define BT_TENSOR_PLANNED 0x80u   /* flags bit: offset (not pointer) in data while planning */
#define BT_TENSOR_USED 0x40u      /* flags bit: touched by an op or a graph input/output */

bt_status bt_seterr(bt_interp *it, bt_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* model.c: validate the flatbuffer and fill tensors[]/nodes[] (already allocated). */
bt_status bt_model_scan(bt_interp *it);     /* counts + full validation, no arena */
bt_status bt_model_fill(bt_interp *it);     /* fill tensor and node structs */

/* arena.c */
void bt_arena_setup(bt_interp *it, uint8_t *arena, size_t len);
void *bt_arena_persistent(bt_interp *it, size_t bytes, bt_alloc_rec *rec);
/* Plan activations + scratch; sets head_bytes. Pointers assigned only if it fits. */
bt_status bt_arena_plan(bt_interp *it);

/* Lifetime of tensor t in operator indices; returns 0 if it needs no memory. */
int bt_tensor_lifetime(const bt_interp *it, uint32_t t, uint32_t *first, uint32_t *last);

/* Tensor index of input/output k of a node (validated at load). */
static inline int32_t bt_node_in(const bt_interp *it, const bt_node *n, int k) {
  return bt_ld_i32(it->fb.buf + n->in + 4u * (uint32_t)k);
}
static inline int32_t bt_node_out(const bt_interp *it, const bt_node *n, int k) {
  return bt_ld_i32(it->fb.buf + n->out + 4u * (uint32_t)k);
}

static inline uintptr_t bt_align_up(uintptr_t v, uintptr_t a) { return (v + a - 1) & ~(a - 1); }

#endif
