"""Fast 32-bit register and guest memory access: unicorn's Python wrappers (and even
ctypes calls with argument conversion) cost microseconds per call, which adds up in
exception entry/return (every SysTick). The calls go through small C helpers of the
native hook module (cycles/hook.c: bt_regs_batch, bt_mem_rw) with unicorn's functions
as pointers, one cffi call each."""
from __future__ import annotations

import ctypes

from unicorn.unicorn_py3 import unicorn as _ucmod

from .cycles.native import load_lib

_ucl = _ucmod.uclib


class Regs:
    def __init__(self, uc):
        mod = load_lib()
        self._ffi = ffi = mod.ffi
        self._lib = mod.lib
        self._h = ffi.cast("void *", uc._uch.value)
        ptr = lambda f: ffi.cast("void *", ctypes.cast(f, ctypes.c_void_p).value)  # noqa: E731
        self._rd, self._wr = ptr(_ucl.uc_reg_read_batch), ptr(_ucl.uc_reg_write_batch)
        self._mrd, self._mwr = ptr(_ucl.uc_mem_read), ptr(_ucl.uc_mem_write)
        self._batches = {}
        self._buf = ffi.new("char[64]")
        self._word = ffi.new("uint32_t[1]")
        self._word_c = ffi.cast("char *", self._word)
        self._out = ffi.new("uint32_t[2]")

    def _batch(self, regs: tuple):
        b = self._batches.get(regs)
        if b is None:
            n = len(regs)
            b = self._batches[regs] = (self._ffi.new("int32_t[]", list(regs)), self._ffi.new("uint32_t[]", n), n)
        return b

    def read(self, reg: int) -> int:
        ids, vals, n = self._batch((reg,))
        self._lib.bt_regs_batch(self._rd, self._h, ids, vals, 1, 0)
        return vals[0]

    def write(self, reg: int, value: int):
        ids, vals, n = self._batch((reg,))
        vals[0] = value & 0xFFFFFFFF
        self._lib.bt_regs_batch(self._wr, self._h, ids, vals, 1, 1)

    def read_many(self, regs: tuple) -> list:
        ids, vals, n = self._batch(regs)
        self._lib.bt_regs_batch(self._rd, self._h, ids, vals, n, 0)
        return self._ffi.unpack(vals, n)

    def write_many(self, regs: tuple, values):
        ids, vals, n = self._batch(regs)
        vals[0:n] = [v & 0xFFFFFFFF for v in values]
        self._lib.bt_regs_batch(self._wr, self._h, ids, vals, n, 1)

    def exc_enter(self, read_regs: tuple, write_regs: tuple, return_pc: int, stkalign: bool, exc: int,
                  handler: int):
        """Exception entry stacking in one native call (hook.c bt_exc_enter): returns
        (frame written, frame address, interrupted CONTROL, registers read)."""
        ids, vals, n = self._batch(read_regs)
        wids = self._batch(write_regs)[0]
        out = self._out
        rc = self._lib.bt_exc_enter(self._rd, self._wr, self._mwr, self._h, ids, n, vals, wids,
                                    return_pc & 0xFFFFFFFF, 1 if stkalign else 0, exc, handler & 0xFFFFFFFF, out)
        return rc == 0, out[0], out[1], self._ffi.unpack(vals, n)

    def read_u32(self, addr: int):
        """A 32-bit word of guest memory, or None if unmapped (no Python buffer objects)."""
        if self._lib.bt_mem_rw(self._mrd, self._h, addr, self._word_c, 4) != 0:
            return None
        return self._word[0]

    def read_mem(self, addr: int, n: int):
        """n <= 64 bytes of guest memory, or None if unmapped."""
        if self._lib.bt_mem_rw(self._mrd, self._h, addr, self._buf, n) != 0:
            return None
        return self._ffi.buffer(self._buf, n)[:]

    def write_mem(self, addr: int, data: bytes) -> bool:
        """Write guest memory; False if unmapped or read-only."""
        return self._lib.bt_mem_rw(self._mwr, self._h, addr, data, len(data)) == 0
