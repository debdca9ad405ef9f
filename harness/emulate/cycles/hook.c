/* Native unicorn block hook: adds the cached cost of each basic block to the cycle
 * counter, models instruction fetch stalls (flash wait states, ART / L1 I-cache) and
 * stops emulation at the next timer deadline.  Python runs only when a block is seen
 * for the first time (miss callback) or when this hook stops the engine.
 * Kept free of Python and unicorn headers: everything it needs arrives in bt_state. */
#include <stdint.h>
#include <string.h>

/* Keep in sync with the cdef in native.py. */
typedef struct {
    uint32_t addr, size;      /* key: a TB is (start, byte length) */
    uint32_t cost;            /* static cycles, fall-through path, no fetch stalls */
    uint32_t ninsn;
    uint32_t flags;           /* BT_B_* */
    uint32_t taken_pen;       /* extra cycles when the block's last branch is taken */
    uint32_t nlines;          /* fetch lines covered (flash blocks only) */
    uint32_t seq_off;         /* index into state->seq_stall for per-line stalls */
    uint32_t entry_pen;       /* extra refill when entered by a branch (unaligned 32-bit target) */
    uint32_t data_pen;        /* expected flash data-read stall, 1/256 cycles (sampled model) */
    uint64_t execs, cycles;   /* profile: executions, cycles incl. dynamic stalls */
} bt_block;

enum { BT_B_USED = 1, BT_B_FPU = 2, BT_B_FLASH = 4 };
enum { BT_STOP_NONE = 0, BT_STOP_DEADLINE = 1, BT_STOP_REQUEST = 2, BT_STOP_FPU = 3 };

typedef struct {
    uint32_t *tags;           /* sets * ways, entry = line address | 1, most recent first */
    uint32_t line_shift, set_mask, ways, on;
} bt_cache;

typedef struct {
    uint64_t cycles, insns, deadline, real_deadline;
    uint32_t stop_req;        /* set by Python (peripheral wants the run loop) */
    uint32_t stop_reason;
    uint32_t fpu_enabled;
    uint32_t no_taken_once;   /* after exception entry/return: no branch penalty */
    uint32_t prev_end;        /* address after the previous block (fall-through target) */
    uint32_t prev_taken_pen;
    uint32_t cur_addr, cur_cost; /* current block: start and cycles charged for it */
    int32_t cur_index;
    /* block table: open addressing, capacity mask+1, filled by Python */
    bt_block *table;
    uint32_t mask;
    /* fetch model */
    uint16_t *seq_stall;
    uint32_t ws;              /* flash stall on a taken branch into a missed line */
    bt_cache ic;              /* ART instruction cache (F4) / L1 I-cache (M7) */
    uint64_t fetch_stall_cycles, cache_misses, cache_hits;
    /* data reads from flash (native memory hook on the flash range only) */
    bt_cache dc;              /* ART data cache (F4) / L1 D-cache (M7) */
    uint32_t dws;             /* stall of a data read that misses */
    uint64_t data_stall_cycles, dcache_misses, dcache_hits;
    uint32_t data_frac;       /* fractional cycles carried between blocks, 1/256 */
    int32_t (*miss)(uint32_t addr, uint32_t size);
    void (*emu_stop)(void *uc);
    /* An interrupt is pending but masked only by PRIMASK/FAULTMASK/BASEPRI: poll those
     * registers at block starts and stop once it can be taken (CPSIE, MSR BASEPRI). */
    uint32_t poll_mask, pend_group, group_mask;
    int32_t reg_primask, reg_basepri, reg_faultmask;
    int (*reg_read)(void *uc, int regid, void *value);
    uint32_t last_addr, last_size;
    int32_t last_index;
} bt_state;

static inline uint32_t bt_hash(uint32_t a) { return (a >> 1) * 2654435761u; }

static inline int32_t bt_find(bt_state *st, uint32_t addr, uint32_t size)
{
    uint32_t i = bt_hash(addr) & st->mask;
    for (;;) {
        bt_block *b = &st->table[i];
        if (!(b->flags & BT_B_USED))
            return -1;
        if (b->addr == addr && b->size == size)
            return (int32_t)i;
        i = (i + 1) & st->mask;
    }
}

int32_t bt_lookup(bt_state *st, uint32_t addr, uint32_t size) { return bt_find(st, addr, size); }

/* Returns 1 on a hit.  Small set-associative cache with LRU by move-to-front. */
static inline int bt_cache_access(bt_cache *c, uint32_t addr)
{
    uint32_t line = addr >> c->line_shift;
    uint32_t *w = &c->tags[(line & c->set_mask) * c->ways];
    uint32_t tag = (line << 1) | 1u, k;
    if (w[0] == tag)
        return 1;
    for (k = 1; k < c->ways; k++) {
        if (w[k] == tag) {
            for (; k > 0; k--) w[k] = w[k - 1];
            w[0] = tag;
            return 1;
        }
    }
    for (k = c->ways - 1; k > 0; k--) w[k] = w[k - 1];
    w[0] = tag;
    return 0;
}

/* UC_HOOK_MEM_READ over the flash range: data reads (literal pools, constant tables,
 * model weights) stall on a cache miss. */
void bt_mem_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user)
{
    bt_state *st = (bt_state *)user;
    (void)uc; (void)type; (void)value;
    uint32_t a = (uint32_t)address;
    int hit = st->dc.on && bt_cache_access(&st->dc, a);
    /* an access straddling two lines touches the second one too */
    if (hit && (((a + (uint32_t)size - 1) ^ a) >> st->dc.line_shift))
        hit = bt_cache_access(&st->dc, a + (uint32_t)size - 1);
    if (hit) {
        st->dcache_hits++;
        return;
    }
    st->dcache_misses++;
    st->cycles += st->dws;
    st->data_stall_cycles += st->dws;
}

/* Rare events (stop request, interrupt waiting on PRIMASK/BASEPRI, timer deadline)
 * share one test on the fast path: Python sets `deadline` to 0 to get attention.
 * Returns 1 when the engine was stopped. */
static __attribute__((noinline, cold)) int bt_attention(bt_state *st, void *uc)
{
    if (st->stop_req) {
        st->stop_req = 0;
        st->stop_reason = BT_STOP_REQUEST;
        st->emu_stop(uc);
        return 1;
    }
    if (st->poll_mask) {
        uint32_t pm = 0, bp = 0, fm = 0;
        st->reg_read(uc, st->reg_primask, &pm);
        st->reg_read(uc, st->reg_basepri, &bp);
        st->reg_read(uc, st->reg_faultmask, &fm);
        bp &= st->group_mask;
        if (!(pm & 1) && !(fm & 1) && (bp == 0 || bp > st->pend_group)) {
            st->poll_mask = 0;
            st->stop_reason = BT_STOP_REQUEST;
            st->emu_stop(uc);
            return 1;
        }
    }
    if (st->cycles >= st->real_deadline) {
        st->stop_reason = BT_STOP_DEADLINE;
        st->emu_stop(uc);
        return 1;
    }
    st->deadline = st->poll_mask ? 0 : st->real_deadline;
    return 0;
}

void bt_block_hook(void *uc, uint64_t address, uint32_t size, void *user)
{
    bt_state *st = (bt_state *)user;
    uint32_t addr = (uint32_t)address;
    if (__builtin_expect(st->cycles >= st->deadline, 0) && bt_attention(st, uc))
        return;
    int32_t i;
    if (addr == st->last_addr && size == st->last_size)
        i = st->last_index;   /* loops: the same block again */
    else
        i = bt_find(st, addr, size);
    if (__builtin_expect(i < 0, 0)) {
        i = st->miss(addr, size);
        if (i < 0) { st->stop_reason = BT_STOP_REQUEST; st->emu_stop(uc); return; }
    }
    st->last_addr = addr;
    st->last_size = size;
    st->last_index = i;
    bt_block *b = &st->table[i];
    if ((b->flags & BT_B_FPU) && !st->fpu_enabled) {
        st->stop_reason = BT_STOP_FPU;
        st->cur_addr = addr;
        st->cur_index = i;
        st->emu_stop(uc);
        return;
    }
    uint32_t taken = addr != st->prev_end;
    uint64_t cost = b->cost;
    if (st->no_taken_once) {
        st->no_taken_once = 0;
        taken = 0;
    } else if (taken && st->prev_taken_pen) {
        cost += st->prev_taken_pen + b->entry_pen;
    }
    if (b->flags & BT_B_FLASH) {
        uint32_t L = 1u << st->ic.line_shift;
        uint32_t line = addr & ~(L - 1);
        for (uint32_t k = 0; k < b->nlines; k++, line += L) {
            if (st->ic.on && bt_cache_access(&st->ic, line)) { st->cache_hits++; continue; }
            st->cache_misses++;
            uint32_t stall = (k == 0 && taken) ? st->ws : st->seq_stall[b->seq_off + k];
            cost += stall;
            st->fetch_stall_cycles += stall;
        }
    }
    if (b->data_pen) {
        st->data_frac += b->data_pen;
        cost += st->data_frac >> 8;
        st->data_stall_cycles += st->data_frac >> 8;
        st->data_frac &= 0xFF;
    }
    st->cycles += cost;
    st->insns += b->ninsn;
    st->cur_addr = addr;
    st->cur_cost = (uint32_t)cost;
    st->cur_index = i;
    st->prev_end = addr + size;
    st->prev_taken_pen = b->taken_pen;
    b->execs++;
    b->cycles += cost;
}
