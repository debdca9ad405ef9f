"""Fast 32-bit register access: unicorn's Python wrappers cost several microseconds
per register, which adds up in exception entry/return (every SysTick)."""
from __future__ import annotations

import ctypes

from unicorn.unicorn_py3 import unicorn as _ucmod

_lib = _ucmod.uclib


class Regs:
    def __init__(self, uc):
        self._h = uc._uch
        self._one = ctypes.c_uint64()
        self._one_p = ctypes.cast(ctypes.byref(self._one), ctypes.c_void_p)
        self._batches = {}

    def read(self, reg: int) -> int:
        self._one.value = 0
        _lib.uc_reg_read(self._h, reg, self._one_p)
        return self._one.value & 0xFFFFFFFF

    def write(self, reg: int, value: int):
        self._one.value = value & 0xFFFFFFFF
        _lib.uc_reg_write(self._h, reg, self._one_p)

    def _batch(self, regs: tuple):
        b = self._batches.get(regs)
        if b is None:
            n = len(regs)
            ids = (ctypes.c_int32 * n)(*regs)
            vals = (ctypes.c_uint64 * n)()
            ptrs = (ctypes.c_void_p * n)(*[ctypes.addressof(vals) + 8 * i for i in range(n)])
            b = self._batches[regs] = (ids, vals, ptrs, n)
        return b

    def read_many(self, regs: tuple) -> list:
        ids, vals, ptrs, n = self._batch(regs)
        ctypes.memset(vals, 0, 8 * n)
        _lib.uc_reg_read_batch(self._h, ids, ptrs, n)
        return [v & 0xFFFFFFFF for v in vals]

    def write_many(self, regs: tuple, values):
        ids, vals, ptrs, n = self._batch(regs)
        for i, v in enumerate(values):
            vals[i] = v & 0xFFFFFFFF
        _lib.uc_reg_write_batch(self._h, ids, ptrs, n)
