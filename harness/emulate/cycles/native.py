"""Builds and drives the native block hook (hook.c).

The C file is compiled with cffi on first use into a per-user cache directory keyed
by the source hash (so editing hook.c rebuilds it), then registered with unicorn's
`uc_hook_add` directly. New blocks are decoded in C (`enable_native_decode`, capstone's
C API through the function pointers of its Python binding and the headers its wheel
ships); without those headers, or with BOARDTWIN_NATIVE_DECODE=0, Python decodes a
block on its first execution (`_miss`, the reference implementation).
"""
from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import shutil
import sys
import sysconfig
import tempfile
import weakref
from pathlib import Path

import capstone

from unicorn import UC_HOOK_BLOCK, UC_HOOK_MEM_READ
from unicorn import arm_const as arm
from unicorn.unicorn_py3 import unicorn as _ucmod

from ..errors import EmulationError

_SRC = Path(__file__).with_name("hook.c")

_CDEF = """
typedef struct {
    uint32_t addr, size, cost, ninsn;
    uint16_t flags, nlines, taken_pen, entry_pen;
    uint32_t seq_off, data_pen;
    uint64_t ic_ver, stamp;
    uint64_t next, reserved;
} bt_block;
typedef struct {
    uint64_t execs, cycles;
} bt_prof;
typedef struct {
    uint32_t *tags;
    uint32_t line_shift, set_mask, ways, on;
} bt_cache;
typedef struct bt_dec {
    size_t csh;
    void *cs_disasm, *cs_free, *cs_regs_access, *mem_read;
    void *cs_disasm_iter, *cs_malloc;
    int32_t cost[20];
    int32_t refill, refill_unaligned_wide, pipelined_load_store, load_use_stall, dual_issue;
    int32_t cs_to_uc[128];
    uint32_t flash_lo[8], flash_hi[8], nflash;
    uint32_t data_sampled, prefetch, fetch_line_bytes, enabled;
    uint64_t decoded;
    void *scratch;
} bt_dec;
typedef struct {
    uint64_t cycles, insns, deadline, real_deadline;
    uint32_t stop_req, stop_reason, no_taken_once;
    uint64_t prev;
    uint32_t cur_addr;
    int32_t cur_index;
    bt_block *table;
    uint32_t mask;
    uint16_t *seq_stall;
    uint32_t ws;
    bt_cache ic;
    uint64_t fetch_stall_cycles, cache_misses, cache_hits;
    bt_cache dc;
    uint32_t dws;
    uint64_t data_stall_cycles, dcache_misses, dcache_hits;
    uint32_t data_frac;
    int32_t (*miss)(uint32_t addr, uint32_t size);
    void (*emu_stop)(void *uc);
    uint32_t poll_mask, pend_group, group_mask;
    int32_t reg_primask, reg_basepri, reg_faultmask;
    int (*reg_read)(void *uc, int regid, void *value);
    uint32_t count, seq_used, seq_len;
    struct bt_dec *dec;
    uint64_t ic_version;
    uint32_t ic_shortcut;
    struct bt_cov *cov;
    uint64_t *ic_base;
    uint32_t slow_flags, profile;
    bt_prof *prof;
    struct bt_cell **cell_chunks;
    uint32_t cell_nchunks, next_cell;
    void **hk_user;
    uint64_t full_calls;
} bt_state;
typedef struct {
    uint32_t cost, ninsn, taken_pen, entry_pen, has_fpu, data_pen, in_flash, nlines;
    uint16_t fetch[1024];
    int32_t icost[2100];
    int32_t ikind[2100];
    uint8_t isize[2100];
} bt_decoded;
int32_t bt_lookup(bt_state *st, uint32_t addr, uint32_t size);
int32_t bt_table_init(bt_state *st, uint32_t cap);
int32_t bt_ic_init(bt_state *st);
void bt_table_free(bt_state *st);
int32_t bt_insert(bt_state *st, const bt_block *rec, const uint16_t *fetch);
int32_t bt_decode(bt_state *st, void *uc, uint32_t addr, const uint8_t *code, uint32_t size, bt_decoded *out);
void bt_block_hook(void *uc, uint64_t address, uint32_t size, void *user);
void *bt_block_hook_addr(void);
void *bt_block_hook_cell_addr(void);
void *bt_cells_init(bt_state *st);
int32_t bt_cell_index(const bt_state *st, uint32_t k);
void bt_dec_free(struct bt_dec *d);
void bt_mem_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user);
typedef struct {
    bt_state *st;
    void *emu_start, *reg_read_batch, *reg_write_batch, *mem_read, *mem_write;
    void (*py_intr)(void *uc, uint32_t intno, void *user);
    uint32_t armed;
    uint64_t next, period;
    uint64_t other;
    uint32_t vtor, group, basepri_mask, group_mask, stkalign, fpu;
    uint32_t entry_cycles, return_cycles;
    int32_t entry_ids[28], n_entry, entry_wids[8];
    int32_t check_ids[5];
    int32_t ret_ids[4];
    int32_t fp_ids[17], frame_ids[6], psp_id, msp_id, control_id, xpsr_id, sp_id, pc_id;
    uint32_t dirty;
    uint32_t taken;
    uint64_t last_take;
    uint32_t active;
    uint32_t frame, fpca, has_fp;
    uint32_t fregs[17];
    uint64_t native_entries, native_returns;
} bt_tick;
int32_t bt_run(bt_tick *t, void *uc, uint32_t pc);
void *bt_intr_hook_addr(void);
int32_t bt_regs_batch(void *fn, void *uc, const int32_t *ids, uint32_t *vals, int32_t n, int32_t write);
int32_t bt_mem_rw(void *fn, void *uc, uint64_t addr, char *buf, uint64_t size);
int32_t bt_exc_enter(void *rd, void *wr, void *mw, void *uc, const int32_t *ids, int32_t nread, uint32_t *r,
                     const int32_t *wids, uint32_t return_pc, uint32_t stkalign, uint32_t exc, uint32_t handler,
                     uint32_t *out);
"""

B_USED, B_FPU, B_FLASH = 1, 2, 4
STOP_NONE, STOP_DEADLINE, STOP_REQUEST, STOP_FPU = 0, 1, 2, 3


def _cache_dir() -> Path:
    base = os.environ.get("BOARDTWIN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "boardtwin")
    return Path(base) / "cyclehook"


_lib = None

# [cost] keys of platforms/timing/<core>.toml, in the order of the C enum C_* in hook.c
COST_NAMES = ("alu", "it", "nop", "mul", "div", "load", "store", "load_dual", "multiple_base", "branch",
              "table_branch", "barrier", "system", "wfi", "fp_alu", "fp_mac", "fp_div", "fp_load",
              "fp_multiple_base", "fp_mov_pair")


def _capstone_include() -> Path | None:
    """capstone's C headers (shipped in the capstone wheel, capstone/include), or None:
    the hook is then built without the native decoder and Python decodes every block."""
    inc = Path(capstone.__file__).with_name("include")
    return inc if (inc / "capstone" / "capstone.h").exists() else None


def load_lib():
    """Compile (once per source hash) and import the cffi extension with the hook."""
    global _lib
    if _lib is not None:
        return _lib
    import cffi

    src = _SRC.read_text()
    cs_include = _capstone_include()
    tag = hashlib.sha256((src + _CDEF + sys.version + capstone.__version__ + str(cs_include)).encode()
                         ).hexdigest()[:12]
    name = f"_bt_cyclehook_{tag}"
    out = _cache_dir()
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    target = out / (name + suffix)
    if not target.exists():
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError:  # read-only home (CI sandboxes): fall back to the temp dir
            out = Path(tempfile.gettempdir()) / "boardtwin-cyclehook"
            out.mkdir(parents=True, exist_ok=True)
            target = out / (name + suffix)
    if not target.exists():
        ffi = cffi.FFI()
        ffi.cdef(_CDEF)
        ffi.set_source(name, src, include_dirs=[str(cs_include)] if cs_include else [],
                       define_macros=[] if cs_include else [("BT_NO_DECODER", "1")], extra_compile_args=["-O2"])
        with tempfile.TemporaryDirectory(dir=out) as tmp:
            try:
                built = ffi.compile(tmpdir=tmp, verbose=False)
            except Exception as exc:  # cffi raises VerificationError / CompileError
                raise EmulationError(
                    f"cannot build the native cycle hook ({exc}); install a C compiler and the "
                    f"Python headers, e.g. `apt-get install gcc python3-dev`") from None
            # Atomic publish: parallel test workers may build at the same time.
            tmp_target = Path(tmp) / ("publish" + suffix)
            shutil.copy(built, tmp_target)
            os.replace(tmp_target, target)
    spec = importlib.util.spec_from_file_location(name, target)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.native_decoder = cs_include is not None
    _lib = mod
    return mod


class NativeCounter:
    """Cycle/instruction counter living in C memory, fed by the native block hook."""

    def __init__(self, uc, on_miss, initial_capacity=1 << 14):
        mod = load_lib()
        self._mod = mod
        self.ffi, self.lib = mod.ffi, mod.lib
        ffi = self.ffi
        self.uc = uc
        self.st = ffi.new("bt_state *")
        self._on_miss = on_miss
        self._miss_cb = ffi.callback("int32_t(uint32_t, uint32_t)", self._miss, onerror=self._miss_error)
        self.st.miss = self._miss_cb
        stop = ctypes.cast(_ucmod.uclib.uc_emu_stop, ctypes.c_void_p).value
        self.st.emu_stop = ffi.cast("void (*)(void *)", stop)
        rr = ctypes.cast(_ucmod.uclib.uc_reg_read, ctypes.c_void_p).value
        self.st.reg_read = ffi.cast("int (*)(void *, int, void *)", rr)
        self.st.reg_primask, self.st.reg_basepri, self.st.reg_faultmask = (
            arm.UC_ARM_REG_PRIMASK, arm.UC_ARM_REG_BASEPRI, arm.UC_ARM_REG_FAULTMASK)
        self.st.deadline = self.st.real_deadline = (1 << 64) - 1
        self.st.ic_version = 1  # never 0: a new block's ic_ver is 0
        self._fpu_enabled = False  # CPACR's reset value denies the FPU
        self._update_slow_flags()
        # exact shortcut of the I-cache model (tests turn it off to compare)
        self.st.ic_shortcut = 0 if os.environ.get("BOARDTWIN_IC_SHORTCUT") == "0" else 1
        self._alloc_table(initial_capacity)
        weakref.finalize(self, self.lib.bt_table_free, self.st)
        self._dec = None
        self.set_icache(line_bytes=16, sets=1, ways=1)
        self.set_dcache(line_bytes=16, sets=1, ways=1)
        self.error = None
        # Register the C function as the block hook for all addresses: the cell variant
        # (no table lookup per block, see hook.c) when unicorn's hook record can be found,
        # else the one that looks blocks up (BOARDTWIN_HOOK_CELLS=0 forces it).
        self.cells = False
        if os.environ.get("BOARDTWIN_HOOK_CELLS") != "0":
            first = self.lib.bt_cells_init(self.st)
            if first != ffi.NULL:
                self.cells = self._add_block_hook(self.lib.bt_block_hook_cell_addr(), first)
                if not self.cells:
                    _ucmod.uclib.uc_hook_del(uc._uch, self._hh)
        if not self.cells:
            self._add_block_hook(self.lib.bt_block_hook_addr(), self.st)

    def _add_block_hook(self, fn, user) -> bool:
        """uc_hook_add; True when the user_data field of unicorn's hook record was found
        (bt_cells_init's cells then follow the translations)."""
        ffi = self.ffi
        fn, user = int(ffi.cast("uintptr_t", fn)), int(ffi.cast("uintptr_t", user))
        self._hh = ctypes.c_size_t()
        status = _ucmod.uclib.uc_hook_add(self.uc._uch, ctypes.byref(self._hh), UC_HOOK_BLOCK,
                                          ctypes.c_void_p(fn), ctypes.c_void_p(user),
                                          ctypes.c_uint64(1), ctypes.c_uint64(0))
        if status != 0:
            raise EmulationError(f"uc_hook_add for the native block hook failed ({status})")
        # The handle is unicorn's `struct hook` (64 bytes in 2.1): callback, then user_data.
        # Found by value, not by a hard-coded offset; not found: no cells.
        words = (ctypes.c_uint64 * 8).from_address(self._hh.value)
        at = [k for k in range(7) if words[k] == fn and words[k + 1] == user]
        if len(at) != 1:
            return False
        self.st.hk_user = ffi.cast("void **", self._hh.value + 8 * (at[0] + 1))
        return True

    # -- table management (C owns the memory: bt_table_init / bt_insert) --------
    def _alloc_table(self, cap):
        if self.lib.bt_table_init(self.st, cap) != 0:
            raise MemoryError("native block table")

    @property
    def _table(self):
        return self.st.table

    @property
    def _cap(self) -> int:
        return self.st.mask + 1

    def flush(self):
        """Forget all block costs (timing inputs such as wait states changed)."""
        self._alloc_table(self._cap)
        self.blocks = {}

    def _insert(self, addr, size, info, fetch):
        rec = self.ffi.new("bt_block *")
        rec.addr, rec.size, rec.cost, rec.ninsn = addr, size, info.cost, info.ninsn
        rec.flags = B_USED | (B_FPU if info.has_fpu else 0) | (B_FLASH if fetch is not None else 0)
        rec.taken_pen, rec.entry_pen, rec.data_pen = info.taken_pen, info.entry_pen, getattr(info, "data_pen", 0)
        rec.nlines = len(fetch) if fetch is not None else 0
        arr = self.ffi.new("uint16_t[]", list(fetch)) if fetch else self.ffi.NULL
        i = self.lib.bt_insert(self.st, rec, arr)
        if i < 0:
            raise MemoryError("native block table")
        return i

    # -- native decoder -----------------------------------------------------------
    def enable_native_decode(self, timing, cs_to_uc: dict, flash_ranges, *, data_sampled: bool,
                             fetch_line_bytes: int):
        """Decode new blocks in C (same model as cycles/timing.py + Machine's sampled
        data penalty and fetch stalls) instead of calling back into Python."""
        if not getattr(self._mod, "native_decoder", False):
            return False
        ffi = self.ffi
        d = ffi.new("bt_dec *")
        md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        md.detail = True
        self._md = md  # keeps the handle open
        d.csh = md.csh.value
        ptr = lambda f: ffi.cast("void *", ctypes.cast(f, ctypes.c_void_p).value)  # noqa: E731
        cs = capstone._cs
        d.cs_disasm, d.cs_free, d.cs_regs_access = ptr(cs.cs_disasm), ptr(cs.cs_free), ptr(cs.cs_regs_access)
        d.cs_disasm_iter, d.cs_malloc = ptr(cs.cs_disasm_iter), ptr(cs.cs_malloc)
        d.mem_read = ptr(_ucmod.uclib.uc_mem_read)
        for k, name in enumerate(COST_NAMES):
            d.cost[k] = int(timing.cost[name])
        p = timing.pipe
        d.refill = int(p["refill"])
        d.refill_unaligned_wide = int(p.get("refill_unaligned_wide", 0))
        d.pipelined_load_store = 1 if p.get("pipelined_load_store") else 0
        d.load_use_stall = int(p.get("load_use_stall", 0))
        d.dual_issue = 1 if p.get("dual_issue") else 0
        for k in range(128):
            d.cs_to_uc[k] = -1
        for c, u in cs_to_uc.items():
            d.cs_to_uc[c] = u
        if len(flash_ranges) > 8:
            return False
        for k, (lo, hi) in enumerate(flash_ranges):
            d.flash_lo[k], d.flash_hi[k] = lo, min(hi, 0xFFFFFFFF)
        d.nflash = len(flash_ranges)
        d.data_sampled = 1 if data_sampled else 0
        d.fetch_line_bytes = fetch_line_bytes
        d.enabled = 1
        weakref.finalize(self, self.lib.bt_dec_free, d)
        self._dec = d
        self.st.dec = d
        return True

    def set_prefetch(self, on: bool):
        if self._dec is not None:
            self._dec.prefetch = 1 if on else 0

    def decode(self, addr, code: bytes, uc=None):
        """The native decoder's view of a block (tests compare it with BlockTimer)."""
        out = self.ffi.new("bt_decoded *")
        buf = self.ffi.new("uint8_t[]", bytes(code) or b"\0")
        h = self.ffi.cast("void *", uc._uch.value) if uc is not None else self.ffi.NULL
        if self.lib.bt_decode(self.st, h, addr, buf, len(code), out) != 0:
            return None
        return out

    def _miss(self, addr, size):
        info, fetch = self._on_miss(addr, size)
        return self._insert(addr, size, info, fetch)

    def _miss_error(self, exc_type, exc, tb):
        self.error = exc
        return -1

    # -- state -----------------------------------------------------------------
    @property
    def cycles(self) -> int:
        return self.st.cycles

    @property
    def insns(self) -> int:
        return self.st.insns

    def add(self, n: int):
        self.st.cycles += n

    def set_deadline(self, c: int):
        st = self.st
        st.real_deadline = min(c, (1 << 64) - 1)
        st.deadline = 0 if (st.stop_req or st.poll_mask or st.no_taken_once) else st.real_deadline

    def set_poll(self, pend_group: int, group_mask: int):
        """Stop once PRIMASK/FAULTMASK/BASEPRI let an interrupt of this group in."""
        st = self.st
        st.pend_group, st.group_mask, st.poll_mask = pend_group, group_mask, 1
        st.deadline = 0

    def clear_poll(self):
        self.st.poll_mask = 0

    def no_taken_once(self):
        """The next block is not entered by a taken branch (exception entry / return,
        restart): hook.c's common case never reads the flag, a zero deadline sends that
        block through the complete hook."""
        self.st.no_taken_once = 1
        self.st.deadline = 0

    def request_stop(self):
        self.st.stop_req = 1
        self.st.deadline = 0

    def _cache(self, c, line_bytes, sets, ways, on):
        tags = self.ffi.new("uint32_t[]", max(1, sets * ways))
        c.tags = tags
        c.line_shift, c.set_mask, c.ways, c.on = line_bytes.bit_length() - 1, sets - 1, ways, 1 if on else 0
        return tags

    def set_icache(self, *, line_bytes, sets, ways, on=False):
        self._itags = self._cache(self.st.ic, line_bytes, sets, ways, on)
        if self.lib.bt_ic_init(self.st) != 0:
            raise MemoryError("native I-cache model")

    def set_dcache(self, *, line_bytes, sets, ways, on=False):
        self._dtags = self._cache(self.st.dc, line_bytes, sets, ways, on)

    def invalidate_icache(self):
        self.ffi.memmove(self._itags, bytes(self.ffi.sizeof(self._itags)), self.ffi.sizeof(self._itags))
        self.st.ic_version += 1  # no block's lines are known to be present any more

    def invalidate_dcache(self):
        self.ffi.memmove(self._dtags, bytes(self.ffi.sizeof(self._dtags)), self.ffi.sizeof(self._dtags))

    def hook_data_reads(self, ranges):
        """Time data reads from these (flash) ranges with the native memory hook."""
        ffi = self.ffi
        fn = int(ffi.cast("uintptr_t", ffi.addressof(self.lib, "bt_mem_hook")))
        user = int(ffi.cast("uintptr_t", self.st))
        self._mem_hooks = []
        for start, end in ranges:
            hh = ctypes.c_size_t()
            status = _ucmod.uclib.uc_hook_add(self.uc._uch, ctypes.byref(hh), UC_HOOK_MEM_READ,
                                              ctypes.c_void_p(fn), ctypes.c_void_p(user),
                                              ctypes.c_uint64(start), ctypes.c_uint64(end - 1))
            if status != 0:
                raise EmulationError(f"uc_hook_add for the flash data hook failed ({status})")
            self._mem_hooks.append(hh)

    def set_fpu_enabled(self, on: bool):
        """CPACR grants (True) or denies the FPU: a block with FPU instructions then runs,
        or stops the engine before it (UsageFault NOCP)."""
        self._fpu_enabled = bool(on)
        self._update_slow_flags()

    def enable_profile(self):
        """Count executions and cycles per block (block_records) from now on.  Every block
        then goes through hook.c's complete path, which keeps these counters."""
        self.st.profile = 1
        self._update_slow_flags()

    def _update_slow_flags(self):
        self.st.slow_flags = (0 if self._fpu_enabled else B_FPU) | (B_USED if self.st.profile else 0)

    def block_records(self):
        """(addr, size, execs, cycles, ninsn) of every block executed at least once while
        profiling (enable_profile)."""
        out = []
        for i in range(self._cap):
            b, p = self._table[i], self.st.prof[i]
            if b.flags & B_USED and p.execs:
                out.append((b.addr, b.size, p.execs, p.cycles, b.ninsn))
        return out
