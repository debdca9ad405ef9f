"""Builds and drives the native block hook (hook.c).

The C file is compiled with cffi on first use into a per-user cache directory keyed
by the source hash (so editing hook.c rebuilds it), then registered with unicorn's
`uc_hook_add` directly. Python only runs on a block's first execution (`_miss`).
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
from pathlib import Path

from unicorn import UC_HOOK_BLOCK, UC_HOOK_MEM_READ
from unicorn import arm_const as arm
from unicorn.unicorn_py3 import unicorn as _ucmod

from ..errors import EmulationError

_SRC = Path(__file__).with_name("hook.c")

_CDEF = """
typedef struct {
    uint32_t addr, size, cost, ninsn, flags, taken_pen, nlines, seq_off, entry_pen, data_pen;
    uint64_t execs, cycles;
} bt_block;
typedef struct {
    uint32_t *tags;
    uint32_t line_shift, set_mask, ways, on;
} bt_cache;
typedef struct {
    uint64_t cycles, insns, deadline, real_deadline;
    uint32_t stop_req, stop_reason, fpu_enabled, no_taken_once, prev_end, prev_taken_pen;
    uint32_t cur_addr, cur_cost;
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
    uint32_t last_addr, last_size;
    int32_t last_index;
} bt_state;
int32_t bt_lookup(bt_state *st, uint32_t addr, uint32_t size);
void bt_block_hook(void *uc, uint64_t address, uint32_t size, void *user);
void bt_mem_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user);
"""

B_USED, B_FPU, B_FLASH = 1, 2, 4
STOP_NONE, STOP_DEADLINE, STOP_REQUEST, STOP_FPU = 0, 1, 2, 3


def _cache_dir() -> Path:
    base = os.environ.get("BOARDTWIN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "boardtwin")
    return Path(base) / "cyclehook"


_lib = None


def load_lib():
    """Compile (once per source hash) and import the cffi extension with the hook."""
    global _lib
    if _lib is not None:
        return _lib
    import cffi

    src = _SRC.read_text()
    tag = hashlib.sha256((src + _CDEF + sys.version).encode()).hexdigest()[:12]
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
        ffi.set_source(name, src, extra_compile_args=["-O2"])
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
    _lib = mod
    return mod


class NativeCounter:
    """Cycle/instruction counter living in C memory, fed by the native block hook."""

    def __init__(self, uc, on_miss, initial_capacity=1 << 14):
        mod = load_lib()
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
        self.st.last_index = -1
        self._seq = ffi.new("uint16_t[]", 1 << 16)
        self._seq_used = 1
        self.st.seq_stall = self._seq
        self._seq_len = 1 << 16
        self._alloc_table(initial_capacity)
        self.set_icache(line_bytes=16, sets=1, ways=1)
        self.set_dcache(line_bytes=16, sets=1, ways=1)
        self.error = None
        # Register the C function as the block hook for all addresses.
        self._hh = ctypes.c_size_t()
        fn = int(ffi.cast("uintptr_t", ffi.addressof(self.lib, "bt_block_hook")))
        user = int(ffi.cast("uintptr_t", self.st))
        status = _ucmod.uclib.uc_hook_add(uc._uch, ctypes.byref(self._hh), UC_HOOK_BLOCK,
                                          ctypes.c_void_p(fn), ctypes.c_void_p(user),
                                          ctypes.c_uint64(1), ctypes.c_uint64(0))
        if status != 0:
            raise EmulationError(f"uc_hook_add for the native block hook failed ({status})")

    # -- table management (Python owns the memory; C only reads) ----------------
    def _alloc_table(self, cap):
        self._table = self.ffi.new("bt_block[]", cap)
        self.st.table = self._table
        self.st.mask = cap - 1
        self._count = 0
        self._cap = cap

    def flush(self):
        """Forget all block costs (timing inputs such as wait states changed)."""
        self._alloc_table(self._cap)
        self.st.last_index = -1
        self.st.last_addr = 0xFFFFFFFF
        self._seq_used = 1
        self.blocks = {}

    def _insert(self, addr, size, info, fetch):
        if (self._count + 1) * 2 > self._cap:
            old = [(self._table[i], i) for i in range(self._cap) if self._table[i].flags & B_USED]
            saved = [(b.addr, b.size, b.cost, b.ninsn, b.flags, b.taken_pen, b.nlines, b.seq_off,
                      b.entry_pen, b.execs, b.cycles, b.data_pen) for b, _ in old]
            self._alloc_table(self._cap * 4)
            self.st.last_addr = 0xFFFFFFFF
            for rec in saved:
                self._place(*rec)
        flags = B_USED | (B_FPU if info.has_fpu else 0)
        nlines, seq_off = 0, 0
        if fetch is not None:
            flags |= B_FLASH
            nlines = len(fetch)
            if self._seq_used + nlines > self._seq_len:
                new = self.ffi.new("uint16_t[]", self._seq_len * 2)
                self.ffi.memmove(new, self._seq, self._seq_len * 2)
                self._seq, self._seq_len = new, self._seq_len * 2
                self.st.seq_stall = new
            seq_off = self._seq_used
            for k, v in enumerate(fetch):
                self._seq[seq_off + k] = v
            self._seq_used += nlines
        return self._place(addr, size, info.cost, info.ninsn, flags, info.taken_pen, nlines, seq_off,
                           info.entry_pen, 0, 0, getattr(info, "data_pen", 0))

    def _place(self, addr, size, cost, ninsn, flags, taken_pen, nlines, seq_off, entry_pen, execs, cycles,
               data_pen=0):
        mask = self.st.mask
        i = (((addr >> 1) * 2654435761) & 0xFFFFFFFF) & mask
        while self._table[i].flags & B_USED:
            i = (i + 1) & mask
        b = self._table[i]
        b.addr, b.size, b.cost, b.ninsn, b.flags = addr, size, cost, ninsn, flags
        b.taken_pen, b.nlines, b.seq_off, b.entry_pen = taken_pen, nlines, seq_off, entry_pen
        b.execs, b.cycles, b.data_pen = execs, cycles, data_pen
        self._count += 1
        return i

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
        st.deadline = 0 if (st.stop_req or st.poll_mask) else st.real_deadline

    def set_poll(self, pend_group: int, group_mask: int):
        """Stop once PRIMASK/FAULTMASK/BASEPRI let an interrupt of this group in."""
        st = self.st
        st.pend_group, st.group_mask, st.poll_mask = pend_group, group_mask, 1
        st.deadline = 0

    def clear_poll(self):
        self.st.poll_mask = 0

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

    def set_dcache(self, *, line_bytes, sets, ways, on=False):
        self._dtags = self._cache(self.st.dc, line_bytes, sets, ways, on)

    def invalidate_icache(self):
        self.ffi.memmove(self._itags, bytes(self.ffi.sizeof(self._itags)), self.ffi.sizeof(self._itags))

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

    def block_records(self):
        """(addr, size, execs, cycles, ninsn) of every block executed at least once."""
        out = []
        for i in range(self._cap):
            b = self._table[i]
            if b.flags & B_USED and b.execs:
                out.append((b.addr, b.size, b.execs, b.cycles, b.ninsn))
        return out
