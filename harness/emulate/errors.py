"""Emulator errors. Each renders as one line a user can act on."""
from __future__ import annotations

from harness.errors import BoardtwinError


class EmulationError(BoardtwinError):
    """Base for everything the emulator raises. Optional pc/symbol/cycles context."""

    exit_code = 5

    pc: int | None = None
    symbol: str | None = None
    cycles: int | None = None
    lines: list[str] = []  # UART lines captured before the error (for diagnosis)


def _where(pc, symbol) -> str:
    if pc is None:
        return ""
    return f" at pc=0x{pc:08x}" + (f" ({symbol})" if symbol else "")


class BadElf(EmulationError):
    """The file is not a loadable 32-bit little-endian ARM ELF."""


class FirmwareFault(EmulationError):
    def __init__(self, kind: str, pc: int, symbol: str | None, cycles: int, *, cfsr=0, hfsr=0,
                 mmfar=None, bfar=None, detail: str = ""):
        self.kind, self.pc, self.symbol, self.cycles = kind, pc, symbol, cycles
        self.cfsr, self.hfsr, self.mmfar, self.bfar, self.detail = cfsr, hfsr, mmfar, bfar, detail
        regs = f"CFSR=0x{cfsr:08x} HFSR=0x{hfsr:08x}"
        if mmfar is not None:
            regs += f" MMFAR=0x{mmfar:08x}"
        if bfar is not None:
            regs += f" BFAR=0x{bfar:08x}"
        msg = f"firmware fault: {kind}{_where(pc, symbol)} after {cycles} cycles; {regs}"
        if detail:
            msg += f"; {detail}"
        super().__init__(msg)


class CycleBudgetExceeded(EmulationError):
    def __init__(self, budget: int, pc: int, symbol: str | None, cycles: int):
        self.budget, self.pc, self.symbol, self.cycles = budget, pc, symbol, cycles
        super().__init__(f"cycle budget of {budget} exhausted{_where(pc, symbol)} "
                         f"(firmware hung or --max-cycles too small)")


class PeripheralAccessError(EmulationError):
    def __init__(self, access: str, address: int, size: int, pc: int, symbol: str | None,
                 cycles: int, why: str = "no peripheral modelled there"):
        self.access, self.address, self.pc, self.symbol, self.cycles = access, address, pc, symbol, cycles
        super().__init__(f"{access} of {size} bytes at 0x{address:08x}{_where(pc, symbol)}: {why}")
