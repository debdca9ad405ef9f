"""Register-file base for memory-mapped peripherals.

Peripherals see 32-bit registers; byte and halfword accesses are merged here so each
model only implements word-level `read_reg(offset)` / `write_reg(offset, value)`.
"""
from __future__ import annotations


class Peripheral:
    #: extent claimed on the bus when the .repl gives only an address
    default_size = 0x400

    def __init__(self, machine, name: str, base: int, size: int | None = None, irqs=(), attrs=None):
        self.m = machine
        self.name = name
        self.base = base
        self.size = size or self.default_size
        self.irqs = list(irqs)
        self.attrs = attrs or {}
        self.regs: dict[int, int] = {}
        self.reset()

    def reset(self):
        pass

    # word-level interface; override
    def read_reg(self, off: int) -> int:
        return self.regs.get(off, 0)

    def write_reg(self, off: int, value: int):
        self.regs[off] = value & 0xFFFFFFFF

    # bus interface
    def read(self, off: int, size: int) -> int:
        word = off & ~3
        v = self.read_reg(word)
        sh = (off & 3) * 8
        return (v >> sh) & ((1 << (size * 8)) - 1)

    def write(self, off: int, size: int, value: int):
        word = off & ~3
        if size == 4:
            self.write_reg(word, value & 0xFFFFFFFF)
            return
        sh = (off & 3) * 8
        mask = ((1 << (size * 8)) - 1) << sh
        cur = self.regs.get(word, 0)
        self.write_reg(word, (cur & ~mask) | ((value << sh) & mask))

    def irq(self, level: bool, index: int = 0):
        """Drive this peripheral's IRQ line `index` (level-sensitive, like the hardware)."""
        if index < len(self.irqs):
            self.m.nvic.set_line(self.irqs[index], level)
