/* Arena: planned activations + scratch at the 16-aligned start ("head" in
 * TFLM's words), persistent data allocated downwards from the 8-aligned end
 * ("tail"). The planner keeps its results in the tensor structs themselves
 * (offset in `data`, a flag bit). Like TFLM's GreedyMemoryPlanner it works
 * from lifetimes computed once (one pass over the operators), kept in a
 * temporary array in the free part of the arena between the head's start and
 * the persistent tail: nothing lives there while planning, and the activations
 * overwrite it afterwards. If that space is too small for the array, the
 * planner computes lifetimes on the fly instead (slower, same plan), so the
 * exact arena need can still be computed when the arena is too small and the
 * array never raises it. (A placed-buffer list sorted by offset, as TFLM
 * keeps, would make placement O(T) instead of O(T * collisions); it costs
 * ~0.3 kB of flash and graphs of a few hundred tensors plan in milliseconds
 * without it.) */
#include <string.h>
#include "internal.h"

#define ACT_ALIGN 16u
#define PERSIST_ALIGN 8u

void bt_arena_setup(bt_interp *it, uint8_t *arena, size_t len) {
  it->arena = arena;
  it->arena_len = len;
  uintptr_t a = (uintptr_t)arena;
  uintptr_t base = bt_align_up(a, ACT_ALIGN);
  uintptr_t top = (a + len) & ~(uintptr_t)(PERSIST_ALIGN - 1);
  if (top < base) top = base;     /* arena smaller than the alignment slack */
  it->plan_base = arena + (base - a);
  it->tail_top = arena + (top - a);
  it->tail_lo = it->tail_top;
}

void *bt_arena_persistent(bt_interp *it, size_t bytes, bt_alloc_rec *rec) {
  size_t size = bt_align_up(bytes, PERSIST_ALIGN);
  size_t avail = (size_t)(it->tail_lo - it->plan_base);
  rec->count++;
  rec->requested += (uint32_t)bytes;
  rec->used += (uint32_t)size;
  if (size > avail || (it->counting & 2)) {
    /* Once one allocation failed all later ones fail too (deterministic), but
     * their sizes still count towards the lower bound reported as `needed`:
     * what is in use + what was refused + what the sizing pass released. */
    it->counting |= 2;
    it->failed_bytes += size;
    size_t floor = (size_t)(it->plan_base - it->arena) + (size_t)(it->tail_top - it->tail_lo) +
                   it->failed_bytes + it->released;
    if (floor > it->needed) it->needed = floor;
    return NULL;
  }
  it->tail_lo -= size;
  memset(it->tail_lo, 0, size);
  return it->tail_lo;
}

int bt_tensor_lifetime(const bt_interp *it, uint32_t t, uint32_t *first, uint32_t *last) {
  const bt_tensor *x = &it->tensors[t];
  if ((x->flags & (BT_TENSOR_CONST | BT_TENSOR_VARIABLE)) || !(x->flags & BT_TENSOR_USED)) return 0;
  uint32_t f = UINT32_MAX, l = 0;
  int read = 0;
  if (x->flags & BT_TENSOR_INPUT) f = 0;
  for (uint32_t o = 0; o < it->num_ops; o++) {
    const bt_node *n = &it->nodes[o];
    for (int k = 0; k < n->n_out; k++)
      if ((uint32_t)bt_node_out(it, n, k) == t && o < f) f = o;
    for (int k = 0; k < n->n_in; k++)
      if (bt_node_in(it, n, k) == (int32_t)t) { l = o; read = 1; }
  }
  if (f == UINT32_MAX) f = 0;
  if (x->flags & BT_TENSOR_OUTPUT) l = it->num_ops ? it->num_ops - 1 : 0;
  else if (!read || l < f) l = f;   /* written but never read: live during its op */
  *first = f;
  *last = l;
  return 1;
}

/* Planned buffers are numbered: tensors [0, num_tensors), then scratch. */
typedef struct buf { uint32_t size, first, last; } buf;

/* Planning temp array (in the free head region), or NULL when it did not fit:
 * life[t] = lifetime of tensor t (first == LIFE_NONE: needs no memory). */
#define LIFE_NONE UINT32_MAX
typedef struct life { uint32_t first, last; } life;
typedef struct plan_tmp { life *life; } plan_tmp;

static void note_use(life *lv, uint32_t n, int32_t idx, uint32_t o, int write) {
  if (idx < 0 || (uint32_t)idx >= n) return;   /* -1 = absent optional tensor */
  life *l = &lv[idx];
  if (write) { if (o < l->first) l->first = o; }
  else l->last = o;                            /* ops visited in order: the last read */
}

/* All tensor lifetimes in one pass over the operators: exactly what
 * bt_tensor_lifetime() gives for each tensor, in O(ops + tensors). */
static void compute_lifetimes(const bt_interp *it, life *lv) {
  const uint32_t nt = it->num_tensors;
  for (uint32_t t = 0; t < nt; t++) {
    lv[t].first = (it->tensors[t].flags & BT_TENSOR_INPUT) ? 0 : UINT32_MAX;
    lv[t].last = UINT32_MAX;                    /* = never read */
  }
  for (uint32_t o = 0; o < it->num_ops; o++) {
    const bt_node *n = &it->nodes[o];
    for (int k = 0; k < n->n_out; k++) note_use(lv, nt, bt_node_out(it, n, k), o, 1);
    for (int k = 0; k < n->n_in; k++) note_use(lv, nt, bt_node_in(it, n, k), o, 0);
  }
  for (uint32_t t = 0; t < nt; t++) {
    const bt_tensor *x = &it->tensors[t];
    life *l = &lv[t];
    if ((x->flags & (BT_TENSOR_CONST | BT_TENSOR_VARIABLE)) || !(x->flags & BT_TENSOR_USED)) {
      l->first = LIFE_NONE;
      l->last = 0;
      continue;
    }
    if (l->first == UINT32_MAX) l->first = 0;
    if (x->flags & BT_TENSOR_OUTPUT) l->last = it->num_ops ? it->num_ops - 1 : 0;
    else if (l->last == UINT32_MAX || l->last < l->first) l->last = l->first;
  }
}

static int get_buf(const bt_interp *it, const plan_tmp *tmp, uint32_t i, buf *b) {
  if (i < it->num_tensors) {
    if (tmp->life) {
      if (tmp->life[i].first == LIFE_NONE) return 0;
      b->first = tmp->life[i].first;
      b->last = tmp->life[i].last;
    } else if (!bt_tensor_lifetime(it, i, &b->first, &b->last)) {
      return 0;
    }
    b->size = (uint32_t)bt_align_up(it->tensors[i].bytes, ACT_ALIGN);
    return 1;
  }
  const bt_scratch_req *s = &it->scratch[i - it->num_tensors];
  b->first = b->last = s->op;
  b->size = (uint32_t)bt_align_up(s->bytes, ACT_ALIGN);
  return 1;
}

static int is_planned(const bt_interp *it, uint32_t i, uint32_t *off) {
  if (i < it->num_tensors) {
    const bt_tensor *t = &it->tensors[i];
    if (!(t->flags & BT_TENSOR_PLANNED)) return 0;
    *off = (uint32_t)(uintptr_t)t->data;
    return 1;
  }
  const bt_scratch_req *s = &it->scratch[i - it->num_tensors];
  if (s->offset == UINT32_MAX) return 0;
  *off = s->offset;
  return 1;
}

static void set_planned(bt_interp *it, uint32_t i, uint32_t off) {
  if (i < it->num_tensors) {
    it->tensors[i].data = (void *)(uintptr_t)off;
    it->tensors[i].flags |= BT_TENSOR_PLANNED;
  } else {
    it->scratch[i - it->num_tensors].offset = off;
  }
}

/* Lowest offset where buffer pb collides with no placed buffer whose lifetime
 * overlaps: bump past colliding buffers until none collides. */
static uint32_t place(const bt_interp *it, const plan_tmp *tmp, uint32_t total, const buf *pb) {
  uint32_t cand = 0, off;
  buf b;
  for (int moved = 1; moved;) {
    moved = 0;
    for (uint32_t j = 0; j < total; j++) {
      if (!is_planned(it, j, &off) || !get_buf(it, tmp, j, &b)) continue;
      if (b.first > pb->last || pb->first > b.last) continue;       /* lifetimes disjoint */
      if (cand >= off + b.size || off >= cand + pb->size) continue; /* space disjoint */
      cand = off + b.size;
      moved = 1;
    }
  }
  return cand;
}

bt_status bt_arena_plan(bt_interp *it) {
  const uint32_t total = it->num_tensors + it->num_scratch;
  uint32_t head = 0;
  for (uint32_t i = 0; i < it->num_scratch; i++) it->scratch[i].offset = UINT32_MAX;
  for (uint32_t i = 0; i < it->num_tensors; i++) {
    bt_tensor *t = &it->tensors[i];
    /* variable tensors keep their persistent buffer (seq-ops fix) */
    if (!(t->flags & (BT_TENSOR_CONST | BT_TENSOR_VARIABLE))) { t->data = NULL; t->flags &= (uint8_t)~BT_TENSOR_PLANNED; }
  }
  /* The temp array: at the head's start, only if it fits below the tail
   * (plan_base is 16-aligned, so life[] is aligned too). */
  plan_tmp tmp = {NULL};
  size_t avail = it->tail_lo > it->plan_base ? (size_t)(it->tail_lo - it->plan_base) : 0;
  if (it->num_tensors > 0 && it->num_tensors <= avail / sizeof(life)) {
    tmp.life = (life *)(void *)it->plan_base;
    compute_lifetimes(it, tmp.life);
  }
  /* Greedy: repeatedly take the largest unplaced buffer (ties: lowest index,
   * i.e. model order) and put it at the lowest offset that does not collide
   * with any placed buffer whose lifetime overlaps. */
  for (;;) {
    uint32_t pick = UINT32_MAX, off;
    buf pb = {0, 0, 0}, b;
    for (uint32_t i = 0; i < total; i++) {
      if (is_planned(it, i, &off) || !get_buf(it, &tmp, i, &b)) continue;
      if (pick == UINT32_MAX || b.size > pb.size) { pick = i; pb = b; }
    }
    if (pick == UINT32_MAX) break;
    uint32_t cand = place(it, &tmp, total, &pb);
    set_planned(it, pick, cand);
    if (cand + pb.size > head) head = cand + pb.size;
  }
  it->head_bytes = head;
  if ((size_t)(it->tail_lo - it->plan_base) < head) return BT_ERR_ARENA_TOO_SMALL;
  for (uint32_t i = 0; i < it->num_tensors; i++) {
    bt_tensor *t = &it->tensors[i];
    if (t->flags & BT_TENSOR_PLANNED) {
      t->data = it->plan_base + (uintptr_t)t->data;
      t->flags &= (uint8_t)~BT_TENSOR_PLANNED;
    }
  }
  return BT_OK;
}
