/* Native unicorn block hook: adds the cached cost of each basic block to the cycle
 * counter, models instruction fetch stalls (flash wait states, ART / L1 I-cache) and
 * stops emulation at the next timer deadline.  A block seen for the first time is
 * decoded here too (capstone's C API, the same classification as cycles/timing.py),
 * so Python runs only when this hook stops the engine; the Python decoder (miss
 * callback) is the reference and the fallback.
 * Kept free of Python and unicorn headers: everything it needs arrives in bt_state
 * (unicorn and capstone functions as pointers taken from their Python bindings). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifndef BT_NO_DECODER
#include <capstone/capstone.h>
#endif

/* Keep in sync with the cdef in native.py. */
typedef struct {
    uint32_t addr, size;      /* key: a TB is (start, byte length) */
    uint32_t cost;            /* static cycles, fall-through path, no fetch stalls */
    uint32_t ninsn;
    uint16_t flags;           /* BT_B_* */
    uint16_t nlines;          /* fetch lines covered (flash blocks only; <= 1024) */
    uint16_t taken_pen;       /* extra cycles when the block's last branch is taken */
    uint16_t entry_pen;       /* extra refill when entered by a branch (unaligned 32-bit target) */
    uint32_t seq_off;         /* index into state->seq_stall for per-line stalls */
    uint32_t data_pen;        /* expected flash data-read stall, 1/256 cycles (sampled model) */
    uint64_t ic_ver;          /* I-cache version when all its lines were last known present */
    uint64_t stamp;           /* 1 + instruction count when it last started (I-cache recency) */
    uint64_t next;            /* state->prev after this block: (addr + size) | taken_pen << 32 */
    uint64_t reserved;
} bt_block;                   /* 64 bytes: an entry never straddles two host cache lines */

/* Profile counters, parallel to the table (same index); written only while profiling. */
typedef struct {
    uint64_t execs, cycles;   /* executions, cycles incl. dynamic stalls */
} bt_prof;

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
    uint32_t no_taken_once;   /* after exception entry/return: no branch penalty */
    uint64_t prev;            /* the previous block's `next`: its fall-through address (low
                               * word) and its taken-branch penalty (high word) */
    uint32_t cur_addr;        /* block stopped for an FPU access check */
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
    /* table bookkeeping (the table and seq_stall are malloc'ed here, see bt_table_init) */
    uint32_t count, seq_used, seq_len;
    struct bt_dec *dec;       /* native decoder, NULL: Python decodes (miss callback) */
    uint64_t ic_version;      /* bumped on every I-cache fill, invalidation and geometry or
                               * enable change (by Python too); never 0 */
    uint32_t ic_shortcut;     /* 1: recency model below with the all-lines-present shortcut;
                               * 0: plain move-to-front LRU on every access (the reference) */
    /* I-cache recency without reordering the tags (ic_shortcut = 1, see bt_ic_fill):
     * ic_base[slot] = recency key of the line's fill; cov: which blocks cover a line. */
    struct bt_cov *cov;
    uint64_t *ic_base;
    /* block flags that send a block through the complete hook: BT_B_FPU while CPACR denies
     * the FPU, BT_B_USED (every block) while profiling */
    uint32_t slow_flags;
    uint32_t profile;
    bt_prof *prof;
    /* Per-translation cells (see bt_block_hook_cell): chunks of BT_CELL_CHUNK, never moved;
     * hk_user: where unicorn keeps the hook's user_data (NULL: cells not in use). */
    struct bt_cell **cell_chunks;
    uint32_t cell_nchunks, next_cell;
    void **hk_user;
    uint64_t full_calls;      /* blocks that took the complete path (statistics) */
} bt_state;

/* A cell is what one translated block (TB) passes to bt_block_hook_cell: the block it
 * was linked to at its first execution, so the common case needs no table lookup. */
typedef struct bt_cell {
    bt_block *b;              /* bt_unlinked until linked */
    bt_state *st;
} bt_cell;
enum { BT_CELL_SHIFT = 12, BT_CELL_CHUNK = 1 << BT_CELL_SHIFT, BT_CELL_MAX_CHUNKS = 4096 };

/* The block of a cell not linked yet: a key no block has (a TB is never 4 GB long). */
static const bt_block bt_unlinked = {0xFFFFFFFFu, 0xFFFFFFFFu, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static inline bt_cell *bt_cell_at(const bt_state *st, uint32_t k)
{
    return &st->cell_chunks[k >> BT_CELL_SHIFT][k & (BT_CELL_CHUNK - 1)];
}

/* The table moved (grown: old index k is now at moved[k]) or was emptied (moved NULL). */
static void bt_cells_relink(bt_state *st, const bt_block *old, const uint32_t *moved)
{
    if (!st->cell_chunks)
        return;
    for (uint32_t k = 0; k <= st->next_cell && (k >> BT_CELL_SHIFT) < st->cell_nchunks; k++) {
        bt_cell *c = bt_cell_at(st, k);
        if (c->b == &bt_unlinked)
            continue;
        c->b = moved ? &st->table[moved[c->b - old]] : (bt_block *)&bt_unlinked;
    }
}

static inline uint32_t bt_hash(uint32_t a) { return (a >> 1) * 2654435761u; }

/* The next block is not entered by a taken branch (after exception entry / return or a
 * restart).  The hook's common case never looks at the flag: a zero deadline sends the
 * next block through bt_block_full, whose bt_charge consumes it. */
static inline void bt_no_taken(bt_state *st)
{
    st->no_taken_once = 1;
    st->deadline = 0;
}

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

/* ---- block table (open addressing; Python reads it through cffi) ---------------- */

/* Lines -> blocks covering them (flash blocks' fetch lines l0 .. l0+nlines-1), for the
 * I-cache recency model: open addressing on the line, a linked list of table indices. */
typedef struct bt_cov {
    uint32_t *keys;           /* line + 1; 0: empty */
    int32_t *heads;           /* first node of the line's list */
    uint32_t mask, count;
    int32_t *nblock, *nnext;  /* node pool */
    uint32_t nused, ncap;
} bt_cov;

static void bt_cov_free(bt_cov *cv)
{
    if (!cv)
        return;
    free(cv->keys); free(cv->heads); free(cv->nblock); free(cv->nnext);
    free(cv);
}

static void bt_cov_clear(bt_cov *cv)
{
    memset(cv->keys, 0, (size_t)(cv->mask + 1) * sizeof *cv->keys);
    cv->count = cv->nused = 0;
}

static inline uint32_t bt_line_hash(uint32_t line) { return line * 2654435761u; }

static int32_t bt_cov_slot(const bt_cov *cv, uint32_t line)
{
    uint32_t h = bt_line_hash(line) & cv->mask;
    while (cv->keys[h]) {
        if (cv->keys[h] == line + 1)
            return (int32_t)h;
        h = (h + 1) & cv->mask;
    }
    return -1;
}

static int bt_cov_grow(bt_cov *cv)
{
    uint32_t cap = (cv->mask + 1) * 2, k;
    uint32_t *keys = (uint32_t *)calloc(cap, sizeof *keys);
    int32_t *heads = (int32_t *)malloc(cap * sizeof *heads);
    if (!keys || !heads) { free(keys); free(heads); return -1; }
    for (k = 0; k <= cv->mask; k++) {
        if (!cv->keys[k])
            continue;
        uint32_t h = bt_line_hash(cv->keys[k] - 1) & (cap - 1);
        while (keys[h]) h = (h + 1) & (cap - 1);
        keys[h] = cv->keys[k];
        heads[h] = cv->heads[k];
    }
    free(cv->keys); free(cv->heads);
    cv->keys = keys; cv->heads = heads; cv->mask = cap - 1;
    return 0;
}

static int bt_cov_add(bt_cov *cv, uint32_t line, int32_t block)
{
    if ((cv->count + 1) * 2 > cv->mask + 1 && bt_cov_grow(cv) != 0)
        return -1;
    if (cv->nused == cv->ncap) {
        uint32_t cap = cv->ncap ? cv->ncap * 2 : 4096;
        int32_t *nb = (int32_t *)realloc(cv->nblock, cap * sizeof *nb);
        if (!nb) return -1;
        cv->nblock = nb;
        int32_t *nn = (int32_t *)realloc(cv->nnext, cap * sizeof *nn);
        if (!nn) return -1;
        cv->nnext = nn;
        cv->ncap = cap;
    }
    int32_t h = bt_cov_slot(cv, line);
    if (h < 0) {
        uint32_t g = bt_line_hash(line) & cv->mask;
        while (cv->keys[g]) g = (g + 1) & cv->mask;
        cv->keys[g] = line + 1;
        cv->heads[g] = -1;
        cv->count++;
        h = (int32_t)g;
    }
    cv->nblock[cv->nused] = block;
    cv->nnext[cv->nused] = cv->heads[h];
    cv->heads[h] = (int32_t)cv->nused++;
    return 0;
}

static int bt_cov_add_block(bt_state *st, int32_t i)
{
    const bt_block *b = &st->table[i];
    if (!st->cov || !(b->flags & BT_B_FLASH))
        return 0;
    const uint32_t l0 = b->addr >> st->ic.line_shift;
    for (uint32_t k = 0; k < b->nlines; k++)
        if (bt_cov_add(st->cov, l0 + k, i) != 0)
            return -1;
    return 0;
}

static int bt_cov_rebuild(bt_state *st)
{
    bt_cov *cv = st->cov;
    if (!cv) {
        cv = (bt_cov *)calloc(1, sizeof *cv);
        if (!cv) return -1;
        cv->keys = (uint32_t *)calloc(4096, sizeof *cv->keys);
        cv->heads = (int32_t *)malloc(4096 * sizeof *cv->heads);
        if (!cv->keys || !cv->heads) { bt_cov_free(cv); return -1; }
        cv->mask = 4095;
        st->cov = cv;
    }
    bt_cov_clear(cv);
    if (!st->table)
        return 0;
    for (uint32_t k = 0; k <= st->mask; k++)
        if ((st->table[k].flags & BT_B_USED) && bt_cov_add_block(st, (int32_t)k) != 0)
            return -1;
    return 0;
}

static uint32_t bt_place(bt_block *t, uint32_t mask, const bt_block *rec)
{
    uint32_t i = bt_hash(rec->addr) & mask;
    while (t[i].flags & BT_B_USED)
        i = (i + 1) & mask;
    t[i] = *rec;
    return i;
}

/* (Re)allocate an empty table of `cap` entries (a power of two); forgets all blocks. */
static bt_block *bt_table_alloc(uint32_t cap)
{
    bt_block *t = (bt_block *)aligned_alloc(64, (size_t)cap * sizeof(bt_block));
    if (t)
        memset(t, 0, (size_t)cap * sizeof(bt_block));
    return t;
}

/* Forgetting the blocks forgets which lines they last fetched: the I-cache is emptied
 * too (Python flushes only together with an invalidation, so nothing changes). */
int32_t bt_table_init(bt_state *st, uint32_t cap)
{
    bt_block *t = bt_table_alloc(cap);
    bt_prof *p = (bt_prof *)calloc(cap, sizeof(bt_prof));
    if (!t || !p) {
        free(t);
        free(p);
        return -1;
    }
    bt_cells_relink(st, st->table, NULL);
    free(st->table);
    free(st->prof);
    st->table = t;
    st->prof = p;
    st->mask = cap - 1;
    st->count = 0;
    st->seq_used = 1;
    if (!st->seq_stall) {
        st->seq_stall = (uint16_t *)calloc(1u << 16, sizeof(uint16_t));
        if (!st->seq_stall)
            return -1;
        st->seq_len = 1u << 16;
    }
    if (st->ic.tags) {
        memset(st->ic.tags, 0, (size_t)(st->ic.set_mask + 1) * st->ic.ways * sizeof(uint32_t));
        st->ic_version++;
    }
    return bt_cov_rebuild(st);
}

/* The I-cache geometry was (re)set (tags allocated by Python): recency keys and the
 * line -> blocks index follow it. */
int32_t bt_ic_init(bt_state *st)
{
    free(st->ic_base);
    st->ic_base = (uint64_t *)calloc((size_t)(st->ic.set_mask + 1) * st->ic.ways, sizeof(uint64_t));
    if (!st->ic_base)
        return -1;
    st->ic_version++;
    return bt_cov_rebuild(st);
}

void bt_table_free(bt_state *st)
{
    if (st->cell_chunks)
        for (uint32_t k = 0; k < st->cell_nchunks; k++)
            free(st->cell_chunks[k]);
    free(st->cell_chunks);
    st->cell_chunks = NULL;
    st->cell_nchunks = st->next_cell = 0;
    st->hk_user = NULL;
    free(st->table);
    free(st->prof);
    free(st->seq_stall);
    free(st->ic_base);
    bt_cov_free(st->cov);
    st->table = NULL;
    st->prof = NULL;
    st->seq_stall = NULL;
    st->ic_base = NULL;
    st->cov = NULL;
    st->mask = st->count = st->seq_len = 0;
}

/* Insert a block (key must be absent); returns its index or -1 (out of memory).
 * Growing the table moves entries: indices handed out before are then stale. */
int32_t bt_insert(bt_state *st, const bt_block *rec, const uint16_t *fetch)
{
    if ((st->count + 1) * 2 > st->mask + 1) {
        uint32_t cap = (st->mask + 1) * 4, k;
        bt_block *t = bt_table_alloc(cap), *old = st->table;
        bt_prof *p = (bt_prof *)calloc(cap, sizeof(bt_prof));
        uint32_t *moved = (uint32_t *)malloc((size_t)(st->mask + 1) * sizeof(uint32_t));
        if (!t || !p || !moved) {
            free(t);
            free(p);
            free(moved);
            return -1;
        }
        for (k = 0; k <= st->mask; k++)
            if (old[k].flags & BT_B_USED)
                p[moved[k] = bt_place(t, cap - 1, &old[k])] = st->prof[k];
        st->table = t;
        bt_cells_relink(st, old, moved);
        free(moved);
        free(old);
        free(st->prof);
        st->prof = p;
        st->mask = cap - 1;
        if (bt_cov_rebuild(st) != 0)
            return -1;
    }
    bt_block b = *rec;
    b.flags |= BT_B_USED;
    b.seq_off = 0;
    b.ic_ver = b.stamp = 0;
    b.next = ((uint64_t)b.taken_pen << 32) | (uint32_t)(b.addr + b.size);
    b.reserved = 0;
    if (fetch && b.nlines) {
        if (st->seq_used + b.nlines > st->seq_len) {
            uint32_t len = st->seq_len * 2;
            while (st->seq_used + b.nlines > len) len *= 2;
            uint16_t *n = (uint16_t *)realloc(st->seq_stall, len * sizeof(uint16_t));
            if (!n)
                return -1;
            st->seq_stall = n;
            st->seq_len = len;
        }
        b.seq_off = st->seq_used;
        memcpy(st->seq_stall + b.seq_off, fetch, b.nlines * sizeof(uint16_t));
        st->seq_used += b.nlines;
    }
    uint32_t i = bt_hash(b.addr) & st->mask;
    while (st->table[i].flags & BT_B_USED)
        i = (i + 1) & st->mask;
    st->table[i] = b;
    st->count++;
    if (bt_cov_add_block(st, (int32_t)i) != 0)
        return -1;
    return (int32_t)i;
}

/* ---- native block decoder: a C port of cycles/timing.py BlockTimer.block() plus
 * Machine._sampled_data_penalty / _fetch_stalls.  Must give identical results
 * (tests/emulate/test_native_decode.py compares them). ---------------------------- */

enum { K_ALU, K_LOAD, K_STORE, K_BRANCH_LOAD, K_DUAL, K_MULTI, K_BRANCH_MULTI, K_BRANCH, K_TABLE,
       K_DIV, K_MUL, K_IT, K_NOP, K_BARRIER, K_WFI, K_SYSTEM, K_FP, K_FP_MEM, K_BRANCH_ALU };
/* cost table order: keep in sync with COST_NAMES in native.py */
enum { C_ALU, C_IT, C_NOP, C_MUL, C_DIV, C_LOAD, C_STORE, C_LOAD_DUAL, C_MULTIPLE_BASE, C_BRANCH,
       C_TABLE_BRANCH, C_BARRIER, C_SYSTEM, C_WFI, C_FP_ALU, C_FP_MAC, C_FP_DIV, C_FP_LOAD,
       C_FP_MULTIPLE_BASE, C_FP_MOV_PAIR, C_N };

#ifndef BT_NO_DECODER
typedef size_t (*bt_cs_disasm_fn)(size_t, const uint8_t *, size_t, uint64_t, size_t, cs_insn **);
typedef void (*bt_cs_free_fn)(cs_insn *, size_t);
typedef int (*bt_cs_regs_fn)(size_t, const cs_insn *, uint16_t *, uint8_t *, uint16_t *, uint8_t *);
typedef int (*bt_mem_read_fn)(void *uc, uint64_t addr, void *buf, uint64_t size);
typedef bool (*bt_cs_iter_fn)(size_t, const uint8_t **, size_t *, uint64_t *, cs_insn *);
typedef cs_insn *(*bt_cs_malloc_fn)(size_t);

#endif

typedef struct bt_dec {
    size_t csh;               /* capstone handle: ARM, THUMB | MCLASS, detail on */
    /* capstone's cs_disasm, cs_free, cs_regs_access and unicorn's uc_mem_read */
    void *cs_disasm, *cs_free, *cs_regs_access, *mem_read;
    void *cs_disasm_iter, *cs_malloc;   /* capstone's, for one instruction on a memo miss */
    int32_t cost[C_N];
    int32_t refill, refill_unaligned_wide, pipelined_load_store, load_use_stall, dual_issue;
    int32_t cs_to_uc[128];    /* capstone register -> unicorn register id, -1: none */
    uint32_t flash_lo[8], flash_hi[8], nflash;
    uint32_t data_sampled;    /* data_timing == "sampled" */
    uint32_t prefetch;        /* FLASH_ACR.PRFTEN as the machine last saw it */
    uint32_t fetch_line_bytes;
    uint32_t enabled;
    uint64_t decoded;         /* statistics */
    void *scratch;            /* bt_scratch, malloc'ed on first use (per machine: emulations
                               * in several threads run the hook concurrently) */
} bt_dec;

/* result of bt_decode (also the test interface) */
typedef struct {
    uint32_t cost, ninsn, taken_pen, entry_pen, has_fpu, data_pen, in_flash, nlines;
    uint16_t fetch[1024];
    int32_t icost[2100];      /* per-instruction cost */
    int32_t ikind[2100];
    uint8_t isize[2100];      /* per-instruction length in bytes */
} bt_decoded;

#ifndef BT_NO_DECODER
typedef struct { uint64_t w[2]; } bt_regs;

typedef struct {
    uint32_t addr, size;
    int32_t kind, cost;
    bt_regs rd, wr, ar;       /* registers read, written, forming the address */
    int32_t mem_base, mem_disp, mem_bytes;
} bt_insn;

typedef struct {
    bt_insn xs[2100];
    uint8_t code[8192];
    bt_decoded out;
    /* memo: Thumb encoding -> classification (bt_insn less addr), open addressing.
     * Key 0: empty, 16-bit hw + 1, 32-bit hw1 << 16 | hw2 (>= 0xe8000000). */
    uint32_t *mkeys;
    bt_insn *mvals;
    uint32_t mbits, mcount;
    cs_insn *one;             /* cs_malloc'ed, reused by cs_disasm_iter */
    uint32_t it_dirty;        /* a whole-block cs_disasm may have left IT state in the handle */
} bt_scratch;

static bt_scratch *bt_get_scratch(bt_dec *d)
{
    if (!d->scratch)
        d->scratch = calloc(1, sizeof(bt_scratch));
    return (bt_scratch *)d->scratch;
}


static inline int rs_has(const bt_regs *r, int reg) { return reg >= 0 && reg < 128 && ((r->w[reg >> 6] >> (reg & 63)) & 1); }
static inline void rs_add(bt_regs *r, int reg) { if (reg > 0 && reg < 128) r->w[reg >> 6] |= 1ull << (reg & 63); }
static inline int rs_meet(const bt_regs *a, const bt_regs *b) { return ((a->w[0] & b->w[0]) | (a->w[1] & b->w[1])) != 0; }

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list)) return 1;
    return 0;
}
static int starts(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }
static int in_list_prefix(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (starts(s, *list)) return 1;
    return 0;
}

static const char *const L_LOADS[] = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh",
    "ldrt", "ldrbt", "ldrht", "ldrsbt", "ldrsht", "lda", "ldab", "ldah", "pld", "pli", 0};
static const char *const L_STORES[] = {"str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt",
    "strht", "stl", "stlb", "stlh", 0};
static const char *const L_DUAL[] = {"ldrd", "strd", 0};
static const char *const L_MULTI[] = {"ldm", "ldmia", "ldmdb", "ldmfd", "ldmea", "stm", "stmia", "stmdb",
    "stmfd", "stmea", "push", "pop", 0};
static const char *const L_BRANCH[] = {"b", "bl", "bx", "blx", "cbz", "cbnz", 0};
static const char *const L_TABLE[] = {"tbb", "tbh", 0};
static const char *const L_DIV[] = {"sdiv", "udiv", 0};
static const char *const L_BARRIER[] = {"dmb", "dsb", "isb", 0};
static const char *const L_SYSTEM[] = {"mrs", "msr", "cpsid", "cpsie", "svc", "bkpt", "sev", "yield", "udf", 0};
static const char *const L_WFI[] = {"wfi", "wfe", 0};
static const char *const L_FP_MAC[] = {"vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms", 0};
static const char *const L_FP_DIV[] = {"vdiv", "vsqrt", 0};
static const char *const L_FP_LOAD[] = {"vldr", "vstr", 0};
static const char *const L_FP_MULTI[] = {"vldm", "vldmia", "vldmdb", "vstm", "vstmia", "vstmdb", "vpush", "vpop", 0};
static const char *const L_MUL_PREFIX[] = {"mul", "mla", "mls", "smul", "smla", "smls", "smmul", "smmla", "smmls",
    "umul", "umla", "umaal", "smuad", "smusd", 0};
static const char *const L_CONDS[] = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls",
    "ge", "lt", "gt", "le", "al", 0};

static void bt_classify(const bt_dec *d, const cs_insn *ins, bt_insn *x)
{
    const cs_arm *arm = &ins->detail->arm;
    char m[32], stem[32];
    size_t n = strcspn(ins->mnemonic, ".");
    if (n > 31) n = 31;
    memcpy(m, ins->mnemonic, n);
    m[n] = 0;
    uint16_t r[64], w[64];
    uint8_t nr = 0, nw = 0, k;
    memset(x, 0, sizeof *x);
    x->addr = (uint32_t)ins->address;
    x->size = ins->size;
    if (((bt_cs_regs_fn)d->cs_regs_access)(d->csh, ins, r, &nr, w, &nw) == 0) {
        for (k = 0; k < nr; k++) rs_add(&x->rd, r[k]);
        for (k = 0; k < nw; k++) rs_add(&x->wr, w[k]);
    }
    int cond = arm->cc != ARM_CC_AL && strcmp(m, "b") != 0;
    strcpy(stem, m);
    size_t sl = strlen(stem);
    if (cond && sl > 2 && in_list(stem + sl - 2, L_CONDS)) {
        stem[sl - 2] = 0;
        sl -= 2;
    }
    if (sl > 0 && stem[sl - 1] == 's') {
        stem[sl - 1] = 0;
        if (strcmp(stem, "mul") && strcmp(stem, "mla"))
            stem[sl - 1] = 's';
    }
    const int32_t *c = d->cost;
    int pc_written = rs_has(&x->wr, ARM_REG_PC);
    int nops = arm->op_count, i;
    const cs_arm_op *mem = NULL;
    int nreg = 0;
    for (i = 0; i < nops; i++) {
        if (arm->operands[i].type == ARM_OP_MEM && !mem) mem = &arm->operands[i];
        if (arm->operands[i].type == ARM_OP_REG) nreg++;
    }
    x->kind = K_ALU;
    x->cost = 1;
    if (in_list(stem, L_LOADS) || in_list(stem, L_STORES)) {
        int load = in_list(stem, L_LOADS);
        x->kind = load ? K_LOAD : K_STORE;
        x->cost = load ? c[C_LOAD] : c[C_STORE];
        if (mem) {
            rs_add(&x->ar, mem->mem.base);
            rs_add(&x->ar, mem->mem.index);
            if (load) {
                x->mem_base = mem->mem.base;
                x->mem_disp = mem->mem.disp;
                x->mem_bytes = (starts(stem, "ldrb") || starts(stem, "ldrsb")) ? 1
                             : (starts(stem, "ldrh") || starts(stem, "ldrsh")) ? 2 : 4;
            }
        }
        if (load && pc_written)
            x->kind = K_BRANCH_LOAD;
    } else if (in_list(stem, L_DUAL)) {
        x->kind = K_DUAL;
        x->cost = c[C_LOAD_DUAL];
        if (!strcmp(stem, "ldrd") && mem) {
            x->mem_base = mem->mem.base;
            x->mem_disp = mem->mem.disp;
            x->mem_bytes = 8;
        }
    } else if (in_list(stem, L_MULTI) || starts(stem, "ldm") || starts(stem, "stm")) {
        int nn = nreg - ((!strcmp(stem, "push") || !strcmp(stem, "pop")) ? 0 : 1);
        if (nn < 1) nn = 1;
        x->kind = K_MULTI;
        x->cost = c[C_MULTIPLE_BASE] + nn;
        if (starts(stem, "ldm")) {
            x->mem_base = nops > 0 ? arm->operands[0].reg : 0;
            x->mem_bytes = 4 * nn;
        }
        if (pc_written)
            x->kind = K_BRANCH_MULTI;
    } else if (in_list(stem, L_BRANCH)) {
        x->kind = K_BRANCH; x->cost = c[C_BRANCH];
    } else if (in_list(stem, L_TABLE)) {
        x->kind = K_TABLE; x->cost = c[C_TABLE_BRANCH];
    } else if (in_list(stem, L_DIV)) {
        x->kind = K_DIV; x->cost = c[C_DIV];
    } else if (in_list_prefix(stem, L_MUL_PREFIX)) {
        x->kind = K_MUL; x->cost = c[C_MUL];
    } else if (!strcmp(stem, "it")) {
        x->kind = K_IT; x->cost = c[C_IT];
    } else if (!strcmp(stem, "nop")) {
        x->kind = K_NOP; x->cost = c[C_NOP];
    } else if (in_list(stem, L_BARRIER)) {
        x->kind = K_BARRIER; x->cost = c[C_BARRIER];
    } else if (in_list(stem, L_WFI)) {
        x->kind = K_WFI; x->cost = c[C_WFI];
    } else if (in_list(stem, L_SYSTEM)) {
        x->kind = K_SYSTEM; x->cost = c[C_SYSTEM];
    } else if (m[0] == 'v') {
        x->kind = K_FP;
        if (in_list(stem, L_FP_MAC)) {
            x->cost = c[C_FP_MAC];
        } else if (in_list(stem, L_FP_DIV)) {
            x->cost = c[C_FP_DIV];
        } else if (in_list(stem, L_FP_LOAD)) {
            int wide = 0;
            for (i = 0; i < nops; i++)
                if (arm->operands[i].type == ARM_OP_REG && arm->operands[i].reg >= ARM_REG_D0
                    && arm->operands[i].reg <= ARM_REG_D31)
                    wide = 1;
            x->kind = K_FP_MEM;
            x->cost = c[C_FP_LOAD] + wide;
        } else if (in_list(stem, L_FP_MULTI)) {
            int nn = 0;
            for (i = 0; i < nops; i++) {
                if (arm->operands[i].type != ARM_OP_REG) continue;
                int rg = arm->operands[i].reg;
                if (rg >= ARM_REG_D0 && rg <= ARM_REG_D31) nn += 2;
                else if (rg >= ARM_REG_S0 && rg <= ARM_REG_S31) nn += 1;
            }
            x->kind = K_FP_MEM;
            x->cost = c[C_FP_MULTIPLE_BASE] + (nn < 1 ? 1 : nn);
        } else if (!strcmp(stem, "vmov") && nreg >= 3) {
            x->cost = c[C_FP_MOV_PAIR];
        } else {
            x->cost = c[C_FP_ALU];
        }
    } else {
        x->kind = K_ALU; x->cost = c[C_ALU];
        if (pc_written)
            x->kind = K_BRANCH_ALU;
    }
}

static int bt_in_flash(const bt_dec *d, uint32_t a)
{
    for (uint32_t k = 0; k < d->nflash; k++)
        if (d->flash_lo[k] <= a && a < d->flash_hi[k]) return 1;
    return 0;
}

static int is_fpu_kind(int k) { return k == K_FP || k == K_FP_MEM; }

static inline uint32_t bt_thumb_len(uint32_t hw) { return (hw >> 11) >= 0x1d ? 4 : 2; }

static inline uint32_t bt_memo_slot(const bt_scratch *sc, uint32_t key)
{
    uint32_t m = (1u << sc->mbits) - 1, j = (key * 2654435761u) >> (32 - sc->mbits);
    while (sc->mkeys[j] && sc->mkeys[j] != key) j = (j + 1) & m;
    return j;
}

static int bt_memo_grow(bt_scratch *sc)
{
    uint32_t bits = sc->mbits ? sc->mbits + 1 : 10, oc = sc->mkeys ? 1u << sc->mbits : 0, i;
    uint32_t *keys = calloc((size_t)1 << bits, sizeof *keys), *ok = sc->mkeys;
    bt_insn *vals = malloc(((size_t)1 << bits) * sizeof *vals), *ov = sc->mvals;
    if (!keys || !vals) { free(keys); free(vals); return 0; }
    sc->mkeys = keys; sc->mvals = vals; sc->mbits = bits;
    for (i = 0; i < oc; i++)
        if (ok[i]) {
            uint32_t j = bt_memo_slot(sc, ok[i]);
            keys[j] = ok[i];
            vals[j] = ov[i];
        }
    free(ok);
    free(ov);
    return 1;
}

static void bt_memo_put(bt_scratch *sc, uint32_t key, const bt_insn *x)
{
    if (2 * (sc->mcount + 1) > (sc->mkeys ? 1u << sc->mbits : 0) && !bt_memo_grow(sc))
        return;               /* out of memory: the memo is only a shortcut */
    uint32_t j = bt_memo_slot(sc, key);
    sc->mkeys[j] = key;
    sc->mvals[j] = *x;
    sc->mcount++;
}

/* Disassembles and classifies the one instruction at p.  0: capstone fails or sees
 * another length (the whole-block decode then decides). */
static int bt_dis1(bt_dec *d, bt_scratch *sc, const uint8_t *p, uint32_t len, uint32_t a, bt_insn *x)
{
    if (!sc->one && d->cs_malloc && d->cs_disasm_iter)
        sc->one = ((bt_cs_malloc_fn)d->cs_malloc)(d->csh);
    if (sc->one && !sc->it_dirty) {
        const uint8_t *q = p;
        size_t left = len;
        uint64_t pc = a;
        if (!((bt_cs_iter_fn)d->cs_disasm_iter)(d->csh, &q, &left, &pc, sc->one) || sc->one->size != len)
            return 0;
        bt_classify(d, sc->one, x);
        return 1;
    }
    /* cs_disasm clears the handle's IT state first (cs_disasm_iter keeps it); this
     * instruction is no IT, so the state stays clear for cs_disasm_iter afterwards */
    cs_insn *ins = NULL;
    size_t n = ((bt_cs_disasm_fn)d->cs_disasm)(d->csh, p, len, a, 1, &ins);
    int ok = n == 1 && ins->size == len;
    if (ok) bt_classify(d, ins, x);
    if (n) ((bt_cs_free_fn)d->cs_free)(ins, n);
    sc->it_dirty = 0;
    return ok;
}

/* Decodes a block one instruction at a time, memoising the classification by encoding:
 * it does not depend on the address (x->addr is set here; PC-relative loads keep base
 * PC and disp, bt_decode adds the address).  Blocks with an IT instruction are left to
 * the whole-block decode: capstone decodes the instructions an IT covers differently.
 * Returns the instruction count, or -1: decode the whole block with one cs_disasm (IT,
 * truncated end, capstone failing or disagreeing on a length, over 2100 instructions). */
static int64_t bt_decode_memo(bt_dec *d, bt_scratch *sc, uint32_t addr, const uint8_t *code, uint32_t size)
{
    uint32_t off, len = 2, n = 0;
    for (off = 0; off + 2 <= size; off += len) {
        uint32_t hw = code[off] | (uint32_t)code[off + 1] << 8;
        if ((hw & 0xff00) == 0xbf00 && (hw & 0xf))
            return -1;
        len = bt_thumb_len(hw);
    }
    if (off != size)
        return -1;
    for (off = 0; off < size; off += len, n++) {
        if (n == 2100)
            return -1;
        uint32_t hw = code[off] | (uint32_t)code[off + 1] << 8, key, j;
        len = bt_thumb_len(hw);
        key = len == 2 ? hw + 1 : hw << 16 | code[off + 2] | (uint32_t)code[off + 3] << 8;
        bt_insn *x = &sc->xs[n];
        if (sc->mkeys && sc->mkeys[j = bt_memo_slot(sc, key)] == key) {
            *x = sc->mvals[j];
        } else {
            if (!bt_dis1(d, sc, code + off, len, addr + off, x))
                return -1;
            bt_memo_put(sc, key, x);
        }
        x->addr = addr + off;
    }
    return n;
}

/* Decode `code` (the block at addr) into *out.  uc: for sampling load base registers
 * (NULL: registers read as 0).  Returns 0, or -1 if the block is too long. */
int32_t bt_decode(bt_state *st, void *uc, uint32_t addr, const uint8_t *code, uint32_t size, bt_decoded *out)
{
    bt_dec *d = st->dec;
    bt_scratch *sc = bt_get_scratch(d);
    if (!sc)
        return -1;
    bt_insn *xs = sc->xs;
    memset(out, 0, offsetof(bt_decoded, fetch));
    int64_t nm = bt_decode_memo(d, sc, addr, code, size);
    size_t n, i;
    if (nm >= 0) {
        n = (size_t)nm;
    } else {
        cs_insn *insn = NULL;
        n = ((bt_cs_disasm_fn)d->cs_disasm)(d->csh, code, size, addr, 0, &insn);
        sc->it_dirty = 1;     /* the block may end inside an IT block */
        if (n > 2100) { ((bt_cs_free_fn)d->cs_free)(insn, n); return -1; }
        for (i = 0; i < n; i++)
            bt_classify(d, &insn[i], &xs[i]);
        if (n) ((bt_cs_free_fn)d->cs_free)(insn, n);
    }
    d->decoded++;
    /* Load/store pipelining (M4) */
    if (d->pipelined_load_store)
        for (i = 0; i + 1 < n; i++) {
            bt_insn *a = &xs[i], *b = &xs[i + 1];
            if (a->kind == K_LOAD && (b->kind == K_LOAD || b->kind == K_STORE) && !rs_meet(&a->wr, &b->ar))
                b->cost = b->cost - 1 > 1 ? b->cost - 1 : 1;
        }
    /* Load-use interlock (M7) */
    if (d->load_use_stall)
        for (i = 0; i + 1 < n; i++) {
            bt_insn *a = &xs[i], *b = &xs[i + 1];
            if (a->kind == K_LOAD || a->kind == K_DUAL || a->kind == K_FP_MEM) {
                bt_regs w = a->wr;
                w.w[ARM_REG_SP >> 6] &= ~(1ull << (ARM_REG_SP & 63));
                if (rs_meet(&w, &b->rd))
                    b->cost += d->load_use_stall;
            }
        }
    /* Dual issue (M7) */
    if (d->dual_issue) {
        i = 0;
        while (i + 1 < n) {
            bt_insn *a = &xs[i], *b = &xs[i + 1];
#define PAIRABLE(k) ((k) == K_ALU || (k) == K_LOAD || (k) == K_STORE || (k) == K_MUL || (k) == K_NOP || (k) == K_FP)
            int memops = (a->kind == K_LOAD || a->kind == K_STORE) + (b->kind == K_LOAD || b->kind == K_STORE);
            bt_regs u;
            u.w[0] = b->rd.w[0] | b->wr.w[0];
            u.w[1] = b->rd.w[1] | b->wr.w[1];
            u.w[ARM_REG_CPSR >> 6] &= ~(1ull << (ARM_REG_CPSR & 63));
            if (PAIRABLE(a->kind) && PAIRABLE(b->kind) && memops <= 1 && !rs_meet(&a->wr, &u)
                && a->cost == 1 && b->cost == 1) {
                b->cost = 0;
                i += 2;
            } else {
                i += 1;
            }
#undef PAIRABLE
        }
    }
    uint32_t cost = 0;
    for (i = 0; i < n; i++) {
        cost += (uint32_t)xs[i].cost;
        if (is_fpu_kind(xs[i].kind)) out->has_fpu = 1;
        out->icost[i] = xs[i].cost;
        out->ikind[i] = xs[i].kind;
        out->isize[i] = (uint8_t)xs[i].size;
    }
    if (n) {
        int k = xs[n - 1].kind;
        if (k == K_BRANCH || k == K_TABLE || k == K_BRANCH_LOAD || k == K_BRANCH_MULTI || k == K_BRANCH_ALU)
            out->taken_pen = (uint32_t)d->refill;
        if (xs[0].size == 4 && addr % 4 == 2)
            out->entry_pen = (uint32_t)d->refill_unaligned_wide;
    }
    out->cost = cost;
    out->ninsn = (uint32_t)n;
    /* expected flash data-read stall (Machine._sampled_data_penalty) */
    if (d->data_sampled && st->dws) {
        uint32_t dws = st->dws, line = st->dc.on ? 1u << st->dc.line_shift : 0, pen = 0;
        bt_regs written = {{0, 0}};
        for (i = 0; i < n; i++) {
            bt_insn *x = &xs[i];
            if (x->mem_bytes && x->mem_base) {
                int have = 0;
                uint32_t a = 0;
                if (x->mem_base == ARM_REG_PC) {
                    a = ((x->addr + 4) & ~3u) + (uint32_t)x->mem_disp;
                    have = 1;
                } else if (!rs_has(&written, x->mem_base)) {
                    int reg = x->mem_base < 128 ? d->cs_to_uc[x->mem_base] : -1;
                    if (reg >= 0) {
                        uint64_t v = 0;
                        if (uc) st->reg_read(uc, reg, &v);
                        a = (uint32_t)v + (uint32_t)x->mem_disp;
                        have = 1;
                    }
                }
                if (have && bt_in_flash(d, a)) {
                    uint32_t b = (uint32_t)x->mem_bytes;
                    pen += line ? 256u * dws * (b < line ? b : line) / line : 256u * dws;
                }
            }
            written.w[0] |= x->wr.w[0];
            written.w[1] |= x->wr.w[1];
        }
        out->data_pen = pen;
    }
    /* fetch-line stalls of a flash block (Machine._fetch_stalls) */
    if (bt_in_flash(d, addr)) {
        uint32_t L = d->fetch_line_bytes, ws = st->ws;
        uint32_t first = addr & ~(L - 1), last = (addr + size - 1) & ~(L - 1), line, k = 0;
        out->in_flash = 1;
        for (line = first; line <= last; line += L, k++) {
            if (k >= sizeof out->fetch / sizeof out->fetch[0]) return -1;
            uint32_t v;
            if (d->prefetch) {
                int64_t prev = 0;
                if (line == first) {
                    prev = L / 2;
                } else {
                    for (i = 0; i < n; i++)
                        if (line - L <= xs[i].addr && xs[i].addr < line) prev += xs[i].cost;
                }
                int64_t s = (int64_t)ws + 1 - prev;
                v = ws ? (uint32_t)(s > 0 ? s : 0) : 0;
            } else {
                v = ws;
            }
            out->fetch[k] = (uint16_t)v;
            if (line + L < line) { k++; break; }   /* wrapped at 4 GB */
        }
        out->nlines = k;
    }
    return 0;
}

/* First execution of a block: decode it natively and insert it. -1: let Python do it. */
static __attribute__((noinline)) int32_t bt_native_miss(bt_state *st, void *uc, uint32_t addr, uint32_t size)
{
    bt_dec *d = st->dec;
    bt_scratch *sc = bt_get_scratch(d);
    if (!sc)
        return -1;
    uint8_t *code = sc->code;
    bt_decoded *o = &sc->out;
    if (size > sizeof sc->code || ((bt_mem_read_fn)d->mem_read)(uc, addr, code, size) != 0)
        return -1;
    if (bt_decode(st, uc, addr, code, size, o) != 0)
        return -1;
    bt_block rec;
    memset(&rec, 0, sizeof rec);
    rec.addr = addr;
    rec.size = size;
    rec.cost = o->cost;
    rec.ninsn = o->ninsn;
    rec.flags = (o->has_fpu ? BT_B_FPU : 0) | (o->in_flash ? BT_B_FLASH : 0);
    rec.taken_pen = o->taken_pen;
    rec.nlines = o->in_flash ? o->nlines : 0;
    rec.entry_pen = o->entry_pen;
    rec.data_pen = o->data_pen;
    return bt_insert(st, &rec, o->in_flash ? o->fetch : NULL);
}
#else  /* built without capstone's headers: Python decodes every block */
int32_t bt_decode(bt_state *st, void *uc, uint32_t addr, const uint8_t *code, uint32_t size, bt_decoded *out)
{
    (void)st; (void)uc; (void)addr; (void)code; (void)size; (void)out;
    return -1;
}
static int32_t bt_native_miss(bt_state *st, void *uc, uint32_t addr, uint32_t size)
{
    (void)st; (void)uc; (void)addr; (void)size;
    return -1;
}
#endif

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

static inline void bt_charge(bt_state *st, bt_block *b, int32_t i, uint32_t addr);

/* The complete hook: every case (deadline, probing, first execution, FPU stop, I-cache
 * tag checks and fetch stalls).  bt_block_hook below handles the common case itself and
 * hands everything else to this function, which starts again from scratch. */
static __attribute__((noinline)) void bt_block_full(void *uc, uint32_t addr, uint32_t size, bt_state *st)
{
    st->full_calls++;
    if (__builtin_expect(st->cycles >= st->deadline, 0) && bt_attention(st, uc))
        return;
    int32_t i = bt_find(st, addr, size);
    if (__builtin_expect(i < 0, 0)) {
        i = st->dec && st->dec->enabled ? bt_native_miss(st, uc, addr, size) : -1;
        if (i < 0)
            i = st->miss(addr, size);
        if (i < 0) { st->stop_reason = BT_STOP_REQUEST; st->emu_stop(uc); return; }
    }
    bt_block *b = &st->table[i];
    if (b->flags & st->slow_flags & BT_B_FPU) {   /* CPACR denies the FPU */
        st->stop_reason = BT_STOP_FPU;
        st->cur_addr = addr;
        st->cur_index = i;
        st->emu_stop(uc);
        return;
    }
    bt_charge(st, b, i, addr);
}

/* The end of every charge: sampled data stall, then the counters (the profile's only
 * outside the common case: profiling sends every block through bt_block_full). */
static inline __attribute__((always_inline)) void bt_finish(bt_state *st, bt_block *b, int32_t i,
                                                            uint64_t cost, const int prof)
{
    if (b->data_pen) {
        st->data_frac += b->data_pen;
        cost += st->data_frac >> 8;
        st->data_stall_cycles += st->data_frac >> 8;
        st->data_frac &= 0xFF;
    }
    st->cycles += cost;
    st->insns += b->ninsn;
    st->cur_index = i;
    st->prev = b->next;
    if (prof && st->profile) {
        st->prof[i].execs++;
        st->prof[i].cycles += cost;
    }
}

/* ---- I-cache recency model (ic_shortcut = 1) ----------------------------------------
 * LRU replacement needs the order of the last accesses to the lines of a set.  Keeping
 * it by moving tags to the front on every hit (the reference path below) means a 2-way
 * set whose two lines alternate changes on every access, and every block must re-check
 * its lines.  Here the tags never move: a line's last access is recovered only when a
 * set must evict, from the stamps of the blocks covering it (each block execution
 * accesses its lines l0..l0+n-1 in order, so the key of line l0+k in an execution started
 * at stamp s is (s << 10) | k) and from the key of its fill.  A hit changes nothing but
 * the block's stamp, so the version bumps only on fills and invalidations. */
static uint64_t bt_recency(const bt_state *st, uint32_t line, uint64_t base, int32_t cur, uint32_t cur_l0,
                           uint32_t k, uint64_t now1)
{
    uint64_t key = base;
    const bt_cov *cv = st->cov;
    const int32_t h = bt_cov_slot(cv, line);
    if (h < 0)
        return key;
    for (int32_t nd = cv->heads[h]; nd >= 0; nd = cv->nnext[nd]) {
        const int32_t c = cv->nblock[nd];
        uint64_t s;
        uint32_t off;
        if (c == cur) {        /* this execution fetched lines before k already */
            off = line - cur_l0;
            s = off < k ? now1 : st->table[c].stamp;
        } else {
            off = line - (st->table[c].addr >> st->ic.line_shift);
            s = st->table[c].stamp;
        }
        if (s && ((s << 10) | off) > key)
            key = (s << 10) | off;
    }
    return key;
}

/* Lines of block b (index i, started at stamp now1) in the recency model; returns the
 * stall cycles and counts hits and misses. */
static uint32_t bt_ic_fill(bt_state *st, bt_block *b, int32_t i, uint32_t addr, uint32_t taken)
{
    bt_cache *c = &st->ic;
    const uint32_t n = b->nlines, shift = c->line_shift, l0 = addr >> shift, ways = c->ways;
    const uint64_t now1 = st->insns + 1;
    const uint16_t *seq = st->seq_stall + b->seq_off;
    uint32_t k, j, misses = 0, stalls = 0;
    for (k = 0; k < n; k++) {
        const uint32_t line = l0 + k, tag = (line << 1) | 1u, set = (line & c->set_mask) * ways;
        uint32_t *w = &c->tags[set];
        for (j = 0; j < ways && w[j] != tag; j++) {}
        if (j < ways)
            continue;
        uint32_t victim = ways;
        for (j = 0; j < ways; j++)
            if (!w[j]) { victim = j; break; }
        if (victim == ways) {
            uint64_t best = UINT64_MAX;
            for (j = 0; j < ways; j++) {
                const uint64_t r = bt_recency(st, w[j] >> 1, st->ic_base[set + j], i, l0, k, now1);
                if (r < best) { best = r; victim = j; }
            }
        }
        w[victim] = tag;
        st->ic_base[set + victim] = (now1 << 10) | k;
        st->ic_version++;
        misses++;
        stalls += (k == 0 && taken) ? st->ws : seq[k];
    }
    /* all lines present now, unless two of them share a set (more lines than sets) */
    if (n <= c->set_mask + 1)
        b->ic_ver = st->ic_version;
    b->stamp = now1;
    st->cache_hits += n - misses;
    st->cache_misses += misses;
    return stalls;
}

/* Charge block b (table index i) entered at addr: taken-branch penalty, fetch-line stalls
 * and I-cache, sampled data stall, profile counters. */
static inline void bt_charge(bt_state *st, bt_block *b, int32_t i, uint32_t addr)
{
    /* taken: the block was entered by a branch, not by falling through */
    const uint32_t ptp = (uint32_t)(st->prev >> 32);
    uint32_t taken = (addr != (uint32_t)st->prev) & ~st->no_taken_once;
    st->no_taken_once = 0;
    uint64_t cost = b->cost + (taken ? ptp + (ptp ? b->entry_pen : 0) : 0);
    if (b->flags & BT_B_FLASH) {
        const uint32_t n = b->nlines;
        if (st->ic.on && st->ic_shortcut) {
            if (b->ic_ver == st->ic_version) {   /* all lines present: hits, nothing moves */
                b->stamp = st->insns + 1;
                st->cache_hits += n;
            } else {
                const uint32_t stalls = bt_ic_fill(st, b, i, addr, taken);
                cost += stalls;
                st->fetch_stall_cycles += stalls;
            }
        } else {
            /* reference: move-to-front LRU on every access (BOARDTWIN_IC_SHORTCUT=0) */
            const uint32_t shift = st->ic.line_shift;
            const uint16_t *seq = st->seq_stall + b->seq_off;
            uint32_t line = addr >> shift, k = 0, misses = 0, stalls = 0;
            if (st->ic.on) {
                bt_cache *c = &st->ic;
                for (; k < n; k++, line++) {
                    if (bt_cache_access(c, line << shift))
                        continue;
                    misses++;
                    stalls += (k == 0 && taken) ? st->ws : seq[k];
                }
            } else {
                misses = n;
                for (; k < n; k++)
                    stalls += (k == 0 && taken) ? st->ws : seq[k];
            }
            st->cache_hits += n - misses;
            st->cache_misses += misses;
            cost += stalls;
            st->fetch_stall_cycles += stalls;
        }
    }
    bt_finish(st, b, i, cost, 1);
}

/* A flash block with the I-cache off, lines to re-check, or the shortcut disabled. */
static __attribute__((noinline)) void bt_block_flash(bt_state *st, bt_block *b, int32_t i, uint32_t addr)
{
    bt_charge(st, b, i, addr);
}

/* The common tail of bt_charge (no fetch stalls): taken-branch penalty, sampled data
 * stall, counters. */
static inline __attribute__((always_inline)) void bt_tail(bt_state *st, bt_block *b, uint32_t i, uint32_t addr)
{
    /* branch-free: whether a block is entered by a taken branch is data-dependent */
    const uint64_t prev = st->prev;
    const uint32_t taken_m = 0u - (uint32_t)(addr != (uint32_t)prev);  /* no_taken_once: see bt_no_taken */
    const uint32_t ptp = (uint32_t)(prev >> 32);
    const uint64_t cost = b->cost + ((ptp + (b->entry_pen & (0u - (uint32_t)(ptp != 0)))) & taken_m);
    bt_finish(st, b, (int32_t)i, cost, 0);
}

/* Common case, kept small (few live values): no deadline, b is the block executing
 * (address, size), none of its flags in slow_flags (FPU denied, profiling), and a flash
 * block only when its lines are known to be in the I-cache.  Same arithmetic as
 * bt_block_full for that case.  Returns 1 when the caller must take the complete path. */
static inline __attribute__((always_inline)) int bt_common(bt_state *st, bt_block *b, uint64_t address,
                                                           uint32_t size)
{
    const uint32_t flags = b->flags;
    uint64_t key;             /* (addr, size) in one compare; a free slot is (0, 0) */
    memcpy(&key, b, sizeof key);
    /* one branch for the rare cases (address is a 32-bit guest address) */
    if (__builtin_expect((key != (address | (uint64_t)size << 32)) | (st->cycles >= st->deadline)
                         | ((flags & st->slow_flags) != 0), 0))
        return 1;
    const uint32_t i = (uint32_t)(b - st->table);
    if (flags & BT_B_FLASH) {
        /* ic_ver is only ever set with the I-cache on and the shortcut enabled, and the
         * version moves when either changes: one compare covers all three */
        if (b->ic_ver != st->ic_version) {
            bt_block_flash(st, b, (int32_t)i, (uint32_t)address);
            return 0;
        }
        /* The block's lines were all present after it last ran and nothing was filled or
         * invalidated since: all hit, and only the block's stamp records the access. */
        b->stamp = st->insns + 1;
        st->cache_hits += b->nlines;
    }
    bt_tail(st, b, i, (uint32_t)address);
    return 0;
}

/* The block hook with user data = the state: finds the block in the table (its home
 * slot; anything else goes to bt_block_full).  Used when cells are not available. */
void bt_block_hook(void *uc, uint64_t address, uint32_t size, void *user)
{
    bt_state *st = (bt_state *)user;
    if (bt_common(st, &st->table[bt_hash((uint32_t)address) & st->mask], address, size))
        bt_block_full(uc, (uint32_t)address, size, st);
}

/* ---- cells: no table lookup in the common case ---------------------------------------
 * Unicorn 2.1 bakes a block hook's user_data into each translated block as a constant
 * when the block is translated.  So user_data always points at a fresh cell: the block
 * translated next passes that cell, links it to its table entry at its first execution,
 * and user_data moves on to the next fresh cell.  The key compare stays: a cell shared by
 * two translations (one translated but never run) or linked to another block just takes
 * the complete path, which is always right. */
/* A chunk of unlinked cells of st, or NULL. */
static bt_cell *bt_cell_chunk_new(bt_state *st)
{
    bt_cell *c = (bt_cell *)malloc(BT_CELL_CHUNK * sizeof(bt_cell));
    if (c)
        for (uint32_t j = 0; j < BT_CELL_CHUNK; j++) {
            c[j].b = (bt_block *)&bt_unlinked;
            c[j].st = st;
        }
    return c;
}

static int bt_cell_advance(bt_state *st)
{
    const uint32_t k = st->next_cell + 1, chunk = k >> BT_CELL_SHIFT;
    /* A translation takes one cell.  Far more cells than blocks means user_data is not
     * baked per translation (a second block hook makes unicorn call hooks through its
     * hook list): stop handing out cells, everything takes the complete path. */
    if (k > 8u * st->count + BT_CELL_CHUNK)
        return -1;
    if (chunk >= st->cell_nchunks) {
        if (chunk >= BT_CELL_MAX_CHUNKS)
            return -1;
        bt_cell *c = bt_cell_chunk_new(st);
        if (!c)
            return -1;
        st->cell_chunks[chunk] = c;
        st->cell_nchunks = chunk + 1;
    }
    st->next_cell = k;
    *st->hk_user = bt_cell_at(st, k);
    return 0;
}

static __attribute__((noinline)) void bt_cell_slow(void *uc, uint64_t address, uint32_t size, bt_cell *c)
{
    bt_state *st = c->st;
    bt_block_full(uc, (uint32_t)address, size, st);
    if (c->b != &bt_unlinked)
        return;
    const int32_t i = bt_find(st, (uint32_t)address, size);
    if (i < 0)
        return;
    c->b = &st->table[i];
    if (st->hk_user && *st->hk_user == (void *)c)
        bt_cell_advance(st);  /* refused: later translations share this cell (complete path) */
}

/* Test interface: the table index cell k is linked to, -2 if unlinked, -1 if it points
 * anywhere but at a block of the current table. */
int32_t bt_cell_index(const bt_state *st, uint32_t k)
{
    if (!st->cell_chunks || k > st->next_cell || (k >> BT_CELL_SHIFT) >= st->cell_nchunks)
        return -1;
    const bt_block *b = bt_cell_at(st, k)->b;
    if (b == &bt_unlinked)
        return -2;
    if (b < st->table || b > &st->table[st->mask] || !(b->flags & BT_B_USED))
        return -1;
    return (int32_t)(b - st->table);
}

void bt_block_hook_cell(void *uc, uint64_t address, uint32_t size, void *user)
{
    bt_cell *c = (bt_cell *)user;
    if (bt_common(c->st, c->b, address, size))
        bt_cell_slow(uc, address, size, c);
}

/* Set up the cells before registering bt_block_hook_cell; returns the first cell (the
 * hook's initial user data) or NULL. */
void *bt_cells_init(bt_state *st)
{
    st->cell_chunks = (bt_cell **)calloc(BT_CELL_MAX_CHUNKS, sizeof(bt_cell *));
    if (!st->cell_chunks)
        return NULL;
    bt_cell *c = bt_cell_chunk_new(st);
    if (!c)
        return NULL;
    st->cell_chunks[0] = c;
    st->cell_nchunks = 1;
    st->next_cell = 0;
    return c;
}

/* The hook's own address (ffi.addressof gives cffi's wrapper, one call more per block). */
void *bt_block_hook_addr(void) { return (void *)bt_block_hook; }
void *bt_block_hook_cell_addr(void) { return (void *)bt_block_hook_cell; }

void bt_dec_free(struct bt_dec *d)
{
#ifndef BT_NO_DECODER
    bt_scratch *sc = d->scratch;
    if (sc) {
        free(sc->mkeys);
        free(sc->mvals);
        if (sc->one) ((bt_cs_free_fn)d->cs_free)(sc->one, 1);
    }
#endif
    free(d->scratch);
    d->scratch = NULL;
}

/* ---- register and memory access for Python (regs.py): unicorn's batch register API
 * and uc_mem_read/write through their function pointers, one cffi call each instead of
 * ctypes' argument conversion (exception entry/return on every SysTick). ------------- */
typedef int (*bt_reg_batch_fn)(void *uc, const int *regs, void **vals, int count);
typedef int (*bt_mem_fn)(void *uc, uint64_t addr, void *buf, uint64_t size);

/* Reads (write = 0) or writes the 32-bit registers ids[0..n) from/to vals[].  32-bit
 * registers: unicorn stores the low word of each zeroed 64-bit slot. */
int32_t bt_regs_batch(void *fn, void *uc, const int32_t *ids, uint32_t *vals, int32_t n, int32_t write)
{
    uint64_t v[64];
    void *p[64];
    int32_t k, r;
    if (n < 0 || n > 64)
        return -1;
    for (k = 0; k < n; k++) {
        v[k] = write ? vals[k] : 0;
        p[k] = &v[k];
    }
    r = ((bt_reg_batch_fn)fn)(uc, (const int *)ids, p, n);
    if (!write)
        for (k = 0; k < n; k++)
            vals[k] = (uint32_t)v[k];
    return r;
}

/* uc_mem_read / uc_mem_write (same signature) */
int32_t bt_mem_rw(void *fn, void *uc, uint64_t addr, char *buf, uint64_t size)
{
    return ((bt_mem_fn)fn)(uc, addr, buf, size);
}

/* Exception entry stacking (exceptions.py ExceptionUnit.take when not tail-chaining) in one
 * call: reads ids[0..nread) = r0-r3, r12, lr, IPSR, CONTROL, MSP, PSP, xPSR [, s0-s15, FPSCR]
 * into r[], pushes the basic 8-word frame (8-byte aligned if stkalign), then writes the
 * handler-entry registers in the order the Python code always wrote them:
 * [CONTROL] (PSP | MSP, SP) XPSR LR IPSR PC; wids = unicorn ids of CONTROL, PSP, MSP, SP,
 * XPSR, LR, IPSR, PC.  out = frame address, interrupted CONTROL.  Returns 0, or 1 when the
 * frame is not writable (no register written). */
int32_t bt_exc_enter(void *rd, void *wr, void *mw, void *uc, const int32_t *ids, int32_t nread, uint32_t *r,
                     const int32_t *wids, uint32_t return_pc, uint32_t stkalign, uint32_t exc, uint32_t handler,
                     uint32_t *out)
{
    if (nread < 11)
        return -1;
    bt_regs_batch(rd, uc, ids, r, nread, 0);
    const uint32_t ipsr = r[6], control = r[7], msp = r[8], psp = r[9], xpsr = r[10];
    const int on_psp = ipsr == 0 && (control & 2);
    const uint32_t sp = on_psp ? psp : msp;
    const uint32_t align = ((sp & 4) && stkalign) ? 4 : 0;
    const uint32_t frame = sp - 32 - align;
    uint32_t w[8] = {r[0], r[1], r[2], r[3], r[4], r[5], return_pc & ~1u,
                     (xpsr & ~(1u << 9)) | (1u << 24) | (align ? 1u << 9 : 0)};
    out[0] = frame;
    out[1] = control;
    if (((bt_mem_fn)mw)(uc, frame, w, 32) != 0)
        return 1;
    int32_t wi[8];
    uint32_t v[8];
    int32_t n = 0;
    if (control & 6) { wi[n] = wids[0]; v[n++] = control & ~6u; }
    if (on_psp) {
        wi[n] = wids[1]; v[n++] = frame;
    } else {
        wi[n] = wids[2]; v[n++] = frame;
        wi[n] = wids[3]; v[n++] = frame;
    }
    wi[n] = wids[4]; v[n++] = xpsr & ~0x0600FC00u;   /* EPSR.IT/ICI cleared */
    wi[n] = wids[5]; v[n++] = ipsr ? 0xFFFFFFF1u : (on_psp ? 0xFFFFFFFDu : 0xFFFFFFF9u);
    wi[n] = wids[6]; v[n++] = exc;
    wi[n] = wids[7]; v[n++] = handler | 1u;
    bt_regs_batch(wr, uc, wi, v, n, 1);
    return 0;
}

/* ---- SysTick without Python (exceptions.py NativeTick arms it) --------------------
 * A 1 kHz SysTick costs two trips into Python per tick (entry after the deadline stop,
 * return from the intr hook), ~30 us each on this host: more than the whole cycle
 * model's hook for the ticks' share of the run.  In the common case, the thread code
 * interrupted with nothing else pending, nothing active and the masks open, bt_run
 * takes the tick itself and bt_intr_hook returns from it: the same stacking, registers
 * and cycle charges as ExceptionUnit.take / exception_return.  Anything else returns
 * to Python, which first brings its NVIC / SysTick / FP-shadow state up to date from
 * here (`dirty`). */
typedef int (*bt_emu_start_fn)(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count);

typedef struct {
    bt_state *st;
    void *emu_start, *reg_read_batch, *reg_write_batch, *mem_read, *mem_write;
    void (*py_intr)(void *uc, uint32_t intno, void *user);   /* everything not handled here */
    /* set by Python before each bt_run; armed = 0: Python takes every tick */
    uint32_t armed;
    uint64_t next, period;    /* cycle of the next SysTick event; cycles between events */
    uint64_t other;           /* Python's own deadline (cycle budget) */
    uint32_t vtor, group, basepri_mask, group_mask, stkalign, fpu;
    uint32_t entry_cycles, return_cycles;
    int32_t entry_ids[28], n_entry, entry_wids[8];   /* ExceptionUnit._ENTRY[_FP]_REGS, _ENTRY_IDS */
    int32_t check_ids[5];     /* PRIMASK FAULTMASK BASEPRI IPSR PC */
    int32_t ret_ids[4];       /* IPSR MSP PSP CONTROL */
    int32_t fp_ids[17], frame_ids[6], psp_id, msp_id, control_id, xpsr_id, sp_id, pc_id;
    /* the natively taken ticks, for Python */
    uint32_t dirty;           /* taken or active changed since Python last looked */
    uint32_t taken;           /* ticks taken here since Python last looked */
    uint64_t last_take;       /* cycle count at the last one (before the entry cycles) */
    uint32_t active;          /* its handler runs; Python's NVIC does not know */
    uint32_t frame, fpca, has_fp;
    uint32_t fregs[17];       /* s0-s15, FPSCR of the interrupted code */
    uint64_t native_entries, native_returns;
} bt_tick;

static void bt_tick_deadline(bt_tick *t)
{
    bt_state *st = t->st;
    st->real_deadline = t->next < t->other ? t->next : t->other;
    st->deadline = (st->stop_req || st->poll_mask || st->no_taken_once) ? 0 : st->real_deadline;
}

/* Take the due SysTick now if the common case holds; 1 when taken (PC is the handler). */
static int bt_tick_take(bt_tick *t, void *uc)
{
    bt_state *st = t->st;
    if (!t->armed || t->active || st->stop_req || st->stop_reason != BT_STOP_DEADLINE
        || st->cycles < t->next || st->cycles >= t->other)
        return 0;
    uint32_t c[5];
    bt_regs_batch(t->reg_read_batch, uc, t->check_ids, c, 5, 0);
    const uint32_t basepri = c[2] & t->basepri_mask;
    if ((c[0] & 1) || (c[1] & 1) || c[3] != 0 || (basepri && !(t->group < (basepri & t->group_mask))))
        return 0;
    uint32_t handler = 0;
    if (((bt_mem_fn)t->mem_read)(uc, t->vtor + 4u * 15, &handler, 4) != 0 || !(handler & 1))
        return 0;             /* Python reports the bad vector */
    uint32_t r[28], out[2];
    if (bt_exc_enter(t->reg_read_batch, t->reg_write_batch, t->mem_write, uc, t->entry_ids, t->n_entry, r,
                     t->entry_wids, c[4], t->stkalign, 15, handler, out) != 0)
        return 0;             /* frame not writable: nothing written, Python raises the fault */
    t->frame = out[0];
    t->fpca = out[1] & 4;
    t->has_fp = t->fpu;
    if (t->fpu)
        memcpy(t->fregs, r + 11, sizeof t->fregs);
    t->last_take = st->cycles;
    st->cycles += t->entry_cycles;
    bt_no_taken(st);
    t->taken++;
    t->active = 1;
    t->dirty = 1;
    t->native_entries++;
    while (t->next <= st->cycles)
        t->next += t->period;
    bt_tick_deadline(t);
    return 1;
}

/* uc_emu_start from pc, taking due SysTicks here; returns unicorn's error code (0: the
 * engine stopped for a reason Python must see). */
int32_t bt_run(bt_tick *t, void *uc, uint32_t pc)
{
    bt_state *st = t->st;
    for (;;) {
        st->stop_reason = BT_STOP_NONE;
        int err = ((bt_emu_start_fn)t->emu_start)(uc, pc | 1u, 0xFFFFFFFFu, 0, 0);
        if (err != 0 || !bt_tick_take(t, uc))
            return err;
        int32_t id = t->pc_id;
        bt_regs_batch(t->reg_read_batch, uc, &id, &pc, 1, 0);
    }
}

/* Exception return from the natively taken handler (ExceptionUnit.exception_return with
 * nothing else active or pending); 0 when Python must do it. */
static int bt_tick_return(bt_tick *t, void *uc, uint32_t intno)
{
    if (!t->active || (intno != 3 && intno != 8))
        return 0;
    uint32_t pc = 0, s[4];
    int32_t id = t->pc_id;
    bt_regs_batch(t->reg_read_batch, uc, &id, &pc, 1, 0);
    if (pc < 0xFFFFFFE0u)
        return 0;
    bt_regs_batch(t->reg_read_batch, uc, t->ret_ids, s, 4, 0);
    if (s[0] != 15)
        return 0;
    const uint32_t exc_return = pc | 1u, use_psp = exc_return & 4, to_thread = exc_return & 8;
    const uint32_t sp = use_psp ? s[2] : s[1];
    uint32_t f[8];
    if (((bt_mem_fn)t->mem_read)(uc, sp, f, 32) != 0)
        return 0;
    const uint32_t xpsr = f[7], new_sp = sp + 32 + ((xpsr & (1u << 9)) ? 4 : 0);
    uint32_t control = s[3] & ~4u;
    int32_t ids[40];
    uint32_t v[40];
    int32_t n = 0, k;
    if (t->has_fp && t->frame == sp) {
        for (k = 0; k < 17; k++) { ids[n] = t->fp_ids[k]; v[n++] = t->fregs[k]; }
        control |= t->fpca;
    }
    for (k = 0; k < 6; k++) { ids[n] = t->frame_ids[k]; v[n++] = f[k]; }
    if (to_thread)
        control = use_psp ? (control | 2u) : (control & ~2u);
    ids[n] = use_psp ? t->psp_id : t->msp_id; v[n++] = new_sp;
    ids[n] = t->control_id; v[n++] = control;
    ids[n] = t->xpsr_id; v[n++] = (xpsr & ~(1u << 9)) | (1u << 24);
    ids[n] = t->sp_id; v[n++] = new_sp;
    ids[n] = t->pc_id; v[n++] = f[6] | 1u;
    bt_regs_batch(t->reg_write_batch, uc, ids, v, n, 1);
    t->st->cycles += t->return_cycles;
    bt_no_taken(t->st);
    t->active = 0;
    t->dirty = 1;
    t->native_returns++;
    return 1;
}

/* UC_HOOK_INTR: the native tick's return here, everything else in Python. */
void bt_intr_hook(void *uc, uint32_t intno, void *user)
{
    bt_tick *t = (bt_tick *)user;
    if (bt_tick_return(t, uc, intno))
        return;
    t->py_intr(uc, intno, NULL);
}

void *bt_intr_hook_addr(void) { return (void *)bt_intr_hook; }
