/* Complete definition of bt_interp so applications can allocate it
 * statically. Fields are private to the runtime. Only small fixed tables
 * live here; everything sized by the model lives in the arena. */
#ifndef BT_INTERP_IMPL_H
#define BT_INTERP_IMPL_H
#include <stddef.h>
#include <stdint.h>
#include "bt/status.h"
#include "bt/tensor.h"
#include "bt/model.h"

#ifndef BT_MAX_SCRATCH          /* scratch buffer requests over the whole graph */
#define BT_MAX_SCRATCH 16
#endif
#ifndef BT_PROFILE_MAX_OPS      /* operators whose ticks are kept when profiling */
#define BT_PROFILE_MAX_OPS 64
#endif
#define BT_ERR_MSG_LEN 112

struct bt_op_reg;

/* One operator node (32 bytes on a 64-bit host, 24 on Cortex-M). The
 * input/output index lists stay in the flatbuffer; offsets, not pointers. */
typedef struct bt_node {
  const struct bt_op_reg *reg;
  void *data;                 /* kernel op data (bt_op_data_alloc) */
  uint32_t in;                /* model offset of n_in little-endian int32 tensor indices */
  uint32_t out;
  uint32_t opts;              /* absolute offset of builtin_options table, 0 = none */
  uint8_t n_in, n_out;
  uint8_t opts_type;          /* BuiltinOptions union type */
  uint8_t reserved;
} bt_node;

typedef struct bt_scratch_req {
  uint32_t bytes;
  uint32_t offset;            /* from the planned region's start, after planning */
  uint32_t op;
} bt_scratch_req;

/* RecordingMicroAllocator-style accounting of one kind of persistent data. */
typedef struct bt_alloc_rec {
  uint32_t count, requested, used;
} bt_alloc_rec;

typedef struct bt_interp {
  bt_fb fb;                   /* the model, read in place */
  uint8_t *arena;
  size_t arena_len;
  uint8_t *plan_base;         /* 16-aligned start of the planned (head) region */
  uint8_t *tail_top;          /* 8-aligned end of the arena */
  uint8_t *tail_lo;           /* lowest persistent byte in use */
  bt_tensor *tensors;
  bt_node *nodes;
  const uint8_t *inputs, *outputs;  /* subgraph input/output index lists */
  uint32_t num_tensors, num_ops;
  uint16_t num_inputs, num_outputs;
  size_t head_bytes, tail_bytes, needed;
  size_t released, failed_bytes;  /* sizing after a shortfall (see arena.c) */
  bt_alloc_rec rec_tensors, rec_nodes, rec_persistent;
  bt_scratch_req scratch[BT_MAX_SCRATCH];
  uint32_t num_scratch;
  int32_t counting;           /* >0: sizing pass after an arena shortfall */
  int32_t state;              /* 0 none, 1 ready, <0 failed */
  int32_t profiling;
  uint32_t prof_ticks[BT_PROFILE_MAX_OPS];
  char err[BT_ERR_MSG_LEN];
} bt_interp;

#endif
