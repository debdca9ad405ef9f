"""Fast 32-bit register access: unicorn's Python wrappers cost several microseconds
per register, which adds up in exception entry/return (every SysTick)."""
from __future__ import annotations

import ctypes
import struct

from unicorn.unicorn_py3 import unicorn as _ucmod

_lib = _ucmod.uclib


class Regs:
    def __init__(self, uc):
        self._h = uc._uch
        self._one = ctypes.c_uint64()
        self._one_p = ctypes.cast(ctypes.byref(self._one), ctypes.c_void_p)
        self._batches = {}
        self._buf = ctypes.create_string_buffer(64)
        self._word = ctypes.c_uint32()
        self._word_p = ctypes.cast(ctypes.byref(self._word), ctypes.POINTER(ctypes.c_char))

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
            # 32-bit registers: unicorn writes the low word of each zeroed 64-bit slot
            b = self._batches[regs] = (ids, vals, ptrs, n, struct.Struct("<" + "I4x" * n),
                                       struct.Struct(f"<{n}Q"), bytes(8 * n))
        return b

    def read_many(self, regs: tuple) -> list:
        ids, vals, ptrs, n, lo32, _q, zero = self._batch(regs)
        ctypes.memmove(vals, zero, 8 * n)
        _lib.uc_reg_read_batch(self._h, ids, ptrs, n)
        return list(lo32.unpack_from(vals))

    def write_many(self, regs: tuple, values):
        ids, vals, ptrs, n, _lo32, q, _zero = self._batch(regs)
        q.pack_into(vals, 0, *[v & 0xFFFFFFFF for v in values])
        _lib.uc_reg_write_batch(self._h, ids, ptrs, n)

    def read_u32(self, addr: int):
        """A 32-bit word of guest memory, or None if unmapped (no Python buffer objects)."""
        if _lib.uc_mem_read(self._h, addr, self._word_p, 4) != 0:
            return None
        return self._word.value

    def read_mem(self, addr: int, n: int):
        """n <= 64 bytes of guest memory, or None if unmapped."""
        if _lib.uc_mem_read(self._h, addr, self._buf, n) != 0:
            return None
        return self._buf.raw[:n]

    def write_mem(self, addr: int, data: bytes) -> bool:
        """Write guest memory; False if unmapped or read-only."""
        return _lib.uc_mem_write(self._h, addr, data, len(data)) == 0
