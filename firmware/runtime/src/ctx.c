/* The kernel-facing context functions of bt/op.h. */
#include <string.h>
#include "internal.h"

int bt_num_inputs(const bt_ctx *c) { return c->node->n_in; }
int bt_num_outputs(const bt_ctx *c) { return c->node->n_out; }

int32_t bt_input_index(const bt_ctx *c, int i) {
  if (i < 0 || i >= c->node->n_in) return -1;
  return bt_node_in(c->it, c->node, i);
}

bt_tensor *bt_input(bt_ctx *c, int i) {
  int32_t x = bt_input_index(c, i);
  return x < 0 ? NULL : &c->it->tensors[x];   /* range checked at load */
}

bt_tensor *bt_output(bt_ctx *c, int i) {
  if (i < 0 || i >= c->node->n_out) return NULL;
  return &c->it->tensors[bt_node_out(c->it, c->node, i)];
}

uint8_t bt_opt_type(const bt_ctx *c) { return c->node->opts_type; }

static int opts(const bt_ctx *c, bt_fb_table *t) {
  if (!c->node->opts) return 0;
  return bt_fb_table_at(&c->it->fb, c->node->opts, t) == BT_OK;
}

uint8_t bt_opt_u8(const bt_ctx *c, int field, uint8_t def) {
  bt_fb_table t;
  return opts(c, &t) ? bt_fb_u8(&t, field, def) : def;
}
int8_t bt_opt_i8(const bt_ctx *c, int field, int8_t def) {
  bt_fb_table t;
  return opts(c, &t) ? bt_fb_i8(&t, field, def) : def;
}
int32_t bt_opt_i32(const bt_ctx *c, int field, int32_t def) {
  bt_fb_table t;
  return opts(c, &t) ? bt_fb_i32(&t, field, def) : def;
}
float bt_opt_f32(const bt_ctx *c, int field, float def) {
  bt_fb_table t;
  return opts(c, &t) ? bt_fb_f32(&t, field, def) : def;
}
int bt_opt_bool(const bt_ctx *c, int field, int def) {
  return bt_opt_u8(c, field, (uint8_t)(def != 0)) != 0;
}
bt_status bt_opt_vec(const bt_ctx *c, int field, uint32_t elem_size, bt_fb_vec *out) {
  bt_fb_table t;
  memset(out, 0, sizeof *out);
  if (!opts(c, &t)) return BT_OK;
  return bt_fb_vector(&t, field, elem_size, out);
}

const uint8_t *bt_custom_options(const bt_ctx *c, uint32_t *len) {
  /* Custom ops are rejected at load today; kept for the contract. */
  (void)c;
  *len = 0;
  return NULL;
}

void *bt_alloc_persistent(bt_ctx *c, size_t bytes) {
  return bt_arena_persistent(c->it, bytes, &c->it->rec_persistent);
}

void *bt_op_data_alloc(bt_ctx *c, size_t bytes) {
  c->node->data = bt_alloc_persistent(c, bytes);
  return c->node->data;
}

void *bt_op_data(const bt_ctx *c) { return c->node->data; }

bt_status bt_request_scratch(bt_ctx *c, size_t bytes, int *idx) {
  bt_interp *it = c->it;
  if (it->num_scratch >= BT_MAX_SCRATCH)
    return bt_fail(c, BT_ERR_LIMIT, "too many scratch buffers (raise BT_MAX_SCRATCH)");
  if (bytes > 0x7FFFFFF0u) return bt_fail(c, BT_ERR_LIMIT, "scratch too large");
  bt_scratch_req *s = &it->scratch[it->num_scratch];
  s->bytes = (uint32_t)bytes;
  s->op = c->op_index;
  s->offset = UINT32_MAX;
  *idx = (int)it->num_scratch++;
  return BT_OK;
}

void *bt_scratch(const bt_ctx *c, int idx) {
  const bt_interp *it = c->it;
  if (idx < 0 || (uint32_t)idx >= it->num_scratch) return NULL;
  return it->plan_base + it->scratch[idx].offset;
}

bt_status bt_fail(bt_ctx *c, bt_status s, const char *msg) {
  return bt_seterr(c->it, s, "%s (op #%u): %s", c->node->reg->name, (unsigned)c->op_index, msg);
}
