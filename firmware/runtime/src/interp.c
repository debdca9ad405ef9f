/* Interpreter life cycle: scan -> allocate structs -> prepare -> plan. */
#include <string.h>
#include "internal.h"
#include "bt/platform.h"

bt_status bt_seterr(bt_interp *it, bt_status s, const char *fmt, ...) {
  if (it->err[0]) return s;    /* keep the first (most specific) message */
  va_list ap;
  va_start(ap, fmt);
  bt_vsnprintf(it->err, sizeof it->err, fmt, ap);
  va_end(ap);
  return s;
}

static bt_status prepare_all(bt_interp *it, int sizing) {
  for (uint32_t o = 0; o < it->num_ops; o++) {
    bt_node *n = &it->nodes[o];
    bt_ctx c = {it, n, o};
    uint8_t *mark = it->tail_lo;
    n->data = NULL;
    if (!n->reg->prepare) continue;
    bt_status s = n->reg->prepare(&c);
    if (it->counting & 2) {
      /* An allocation failed: nothing more is exact from here on. */
      return BT_ERR_ARENA_TOO_SMALL;
    }
    if (s != BT_OK) {
      if (!it->err[0])
        bt_seterr(it, s, "%s (op #%u): prepare failed: %s", n->reg->name, (unsigned)o, bt_status_str(s));
      return s;
    }
    if (sizing) {
      it->released += (size_t)(mark - it->tail_lo);
      it->tail_lo = mark;   /* give it back: sizing only needs the total */
    }
  }
  return BT_OK;
}

static size_t align_slack(const bt_interp *it) { return (size_t)(it->plan_base - it->arena); }

/* Persistent structs every run needs: tensors, nodes (+ variable tensors). */
static bt_status alloc_structs(bt_interp *it) {
  it->tensors = bt_arena_persistent(it, sizeof(bt_tensor) * (it->num_tensors ? it->num_tensors : 1), &it->rec_tensors);
  it->nodes = bt_arena_persistent(it, sizeof(bt_node) * (it->num_ops ? it->num_ops : 1), &it->rec_nodes);
  if (!it->tensors || !it->nodes) return BT_ERR_ARENA_TOO_SMALL;
  /* Count structs, not calls, like TFLM's "for N allocations". */
  it->rec_tensors.count = it->num_tensors;
  it->rec_nodes.count = it->num_ops;
  return BT_OK;
}

static bt_status alloc_variables(bt_interp *it) {
  for (uint32_t i = 0; i < it->num_tensors; i++) {
    bt_tensor *t = &it->tensors[i];
    if (!(t->flags & BT_TENSOR_VARIABLE)) continue;
    t->data = bt_arena_persistent(it, t->bytes, &it->rec_persistent);
    if (!t->data) return BT_ERR_ARENA_TOO_SMALL;
  }
  return BT_OK;
}

/* The arena was too small somewhere before planning finished: rerun prepare
 * one op at a time, reusing the same space, to learn the exact total. */
static bt_status size_after_shortfall(bt_interp *it) {
  it->tail_lo = it->tail_top;
  it->err[0] = '\0';
  memset(&it->rec_persistent, 0, sizeof it->rec_persistent);
  memset(&it->rec_tensors, 0, sizeof it->rec_tensors);
  memset(&it->rec_nodes, 0, sizeof it->rec_nodes);
  it->counting = 1;
  it->num_scratch = 0;
  it->released = it->failed_bytes = 0;
  it->head_bytes = it->tail_bytes = 0;
  /* it->needed keeps the lower bound from the failed pass; on any failure
   * below the allocator raises it further, so it is always a safe figure. */
  bt_status s = alloc_structs(it);
  if (s == BT_OK) s = bt_model_fill(it);
  if (s == BT_OK) s = alloc_variables(it);
  if (s == BT_OK) s = prepare_all(it, 1);   /* may reveal a later op's real error */
  if (s != BT_OK) return s;
  it->tail_bytes = (size_t)(it->tail_top - it->tail_lo) + it->released;
  bt_arena_plan(it);
  it->needed = align_slack(it) + it->head_bytes + it->tail_bytes;
  return BT_ERR_ARENA_TOO_SMALL;
}

bt_status bt_interp_init(bt_interp *it, const uint8_t *model, size_t model_len,
                         uint8_t *arena, size_t arena_len) {
  if (!it) return BT_ERR_ARG;
  memset(it, 0, sizeof *it);
  it->state = -1;
  if (!model || !arena) return bt_seterr(it, BT_ERR_ARG, "NULL model or arena");
  if (model_len > 0x7FFFFFFF) return bt_seterr(it, BT_ERR_LIMIT, "model larger than 2 GB");
  it->fb.buf = model;
  it->fb.len = (uint32_t)model_len;
  bt_status s = bt_model_scan(it);
  if (s != BT_OK) return s;
  bt_arena_setup(it, arena, arena_len);

  s = alloc_structs(it);
  if (s == BT_OK) s = bt_model_fill(it);
  if (s == BT_OK) s = alloc_variables(it);
  if (s == BT_OK) s = prepare_all(it, 0);
  if (s == BT_OK) {
    it->tail_bytes = (size_t)(it->tail_top - it->tail_lo);
    s = bt_arena_plan(it);
    it->needed = align_slack(it) + it->head_bytes + it->tail_bytes;
  }
  if (s == BT_ERR_ARENA_TOO_SMALL && (it->counting & 2)) {
    s = size_after_shortfall(it);
    if (s != BT_ERR_ARENA_TOO_SMALL) {    /* a genuine model error beats "too small" */
      if (!it->err[0]) bt_seterr(it, s, "%s", bt_status_str(s));
      return s;
    }
  }
  if (s == BT_ERR_ARENA_TOO_SMALL) {
    it->err[0] = '\0';
    if (it->counting & 2)   /* even one operator's own data did not fit */
      bt_seterr(it, s, "arena too small: %u bytes given, at least %u needed",
                (unsigned)arena_len, (unsigned)it->needed);
    else
      bt_seterr(it, s, "arena too small: %u bytes given, %u needed (head %u tail %u align %u)",
                (unsigned)arena_len, (unsigned)it->needed, (unsigned)it->head_bytes,
                (unsigned)it->tail_bytes, (unsigned)align_slack(it));
  }
  if (s != BT_OK) return s;
  it->state = 1;
  bt_interp_reset(it);
  return BT_OK;
}

void bt_interp_reset(bt_interp *it) {
  if (!it || it->state != 1) return;
  for (uint32_t i = 0; i < it->num_tensors; i++) {
    bt_tensor *t = &it->tensors[i];
    if (!(t->flags & BT_TENSOR_VARIABLE) || !t->data) continue;
    int v = t->type == BT_INT8 ? bt_tensor_zero_point(t, 0) : 0;
    memset(t->data, v, t->bytes);
  }
}

bt_status bt_interp_invoke(bt_interp *it) {
  if (!it || it->state != 1) return BT_ERR_STATE;
  for (uint32_t o = 0; o < it->num_ops; o++) {
    bt_node *n = &it->nodes[o];
    bt_ctx c = {it, n, o};
    uint32_t t0 = it->profiling ? bt_platform_cycles() : 0;
    bt_status s = n->reg->eval(&c);
    if (it->profiling && o < BT_PROFILE_MAX_OPS) it->prof_ticks[o] = bt_platform_cycles() - t0;
    if (s != BT_OK) {
      it->err[0] = '\0';
      return bt_seterr(it, s, "%s (op #%u): eval failed: %s", n->reg->name, (unsigned)o, bt_status_str(s));
    }
  }
  return BT_OK;
}

int bt_interp_num_inputs(const bt_interp *it) { return it && it->state == 1 ? it->num_inputs : 0; }
int bt_interp_num_outputs(const bt_interp *it) { return it && it->state == 1 ? it->num_outputs : 0; }

bt_tensor *bt_interp_input(bt_interp *it, int i) {
  if (!it || it->state != 1 || i < 0 || i >= it->num_inputs) return NULL;
  return &it->tensors[bt_ld_i32(it->inputs + 4 * i)];
}

bt_tensor *bt_interp_output(bt_interp *it, int i) {
  if (!it || it->state != 1 || i < 0 || i >= it->num_outputs) return NULL;
  return &it->tensors[bt_ld_i32(it->outputs + 4 * i)];
}

size_t bt_interp_arena_head(const bt_interp *it) { return it ? it->head_bytes : 0; }
size_t bt_interp_arena_tail(const bt_interp *it) { return it ? it->tail_bytes : 0; }
size_t bt_interp_arena_needed(const bt_interp *it) { return it ? it->needed : 0; }
const char *bt_interp_error(const bt_interp *it) { return it ? it->err : "NULL interpreter"; }

/* TFLM's RecordingMicroAllocator report, byte for byte (harness/parse.py reads it). */
static const char rma[] = "[RecordingMicroAllocator] ";

static void rec_line(const char *kind, const bt_alloc_rec *r, const char *what) {
  bt_printf("%s'%s' used %u bytes with alignment overhead (requested %u bytes for %u %s)\n",
            rma, kind, (unsigned)r->used, (unsigned)r->requested, (unsigned)r->count, what);
}

void bt_interp_print_allocations(const bt_interp *it) {
  if (!it) return;
  const size_t v[3] = {it->head_bytes + it->tail_bytes, it->head_bytes, it->tail_bytes};
  static const char part[3][6] = {"total", "head", "tail"};
  for (int k = 0; k < 3; k++) bt_printf("%sArena allocation %s %u bytes\n", rma, part[k], (unsigned)v[k]);
  rec_line("TfLiteEvalTensor data", &it->rec_tensors, "allocations");
  rec_line("Persistent buffer data", &it->rec_persistent, "allocations");
  rec_line("NodeAndRegistration struct", &it->rec_nodes, "NodeAndRegistration structs");
}

void bt_interp_enable_profiling(bt_interp *it, int on) {
  if (!it) return;
  it->profiling = on != 0;
  memset(it->prof_ticks, 0, sizeof it->prof_ticks);
}

static uint32_t ops_profiled(const bt_interp *it) {
  return it->num_ops < BT_PROFILE_MAX_OPS ? it->num_ops : BT_PROFILE_MAX_OPS;
}

void bt_interp_print_profile(const bt_interp *it) {
  if (!it || it->state != 1) return;
  uint32_t hz = bt_platform_core_hz();
  for (uint32_t o = 0; o < ops_profiled(it); o++) {
    uint32_t t = it->prof_ticks[o];
    unsigned ms = hz ? (unsigned)((uint64_t)t * 1000u / hz) : 0;
    bt_printf("%s took %u ticks (%u ms).\n", it->nodes[o].reg->name, (unsigned)t, ms);
  }
}

void bt_interp_print_profile_csv(const bt_interp *it) {
  if (!it || it->state != 1) return;
  bt_printf("\"Event\",\"Tag\",\"Ticks\"\n");
  for (uint32_t o = 0; o < ops_profiled(it); o++)
    bt_printf("%u,%s,%u\n", (unsigned)o, it->nodes[o].reg->name, (unsigned)it->prof_ticks[o]);
}
