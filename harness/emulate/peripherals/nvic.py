"""NVIC: external interrupt enable/pending/active/priority state plus the pending
and active state of the system exceptions (the exception unit's book-keeping).

Priorities use 4 implemented bits (STM32: 16 levels, mask 0xF0) and AIRCR.PRIGROUP
to split group (pre-emption) priority from sub-priority.
"""
from .base import Peripheral

NMI, HARDFAULT, MEMMANAGE, BUSFAULT, USAGEFAULT, SVCALL, DEBUGMON, PENDSV, SYSTICK = 2, 3, 4, 5, 6, 11, 12, 14, 15
ISER, ICER, ISPR, ICPR, IABR, IPR, STIR = 0x100, 0x180, 0x200, 0x280, 0x300, 0x400, 0xF00


class Nvic(Peripheral):
    """Offsets are relative to the System Control Space base 0xE000E000."""

    def __init__(self, machine, n_irqs=128, prio_bits=4):
        self.n_irqs = n_irqs
        self.prio_mask = (0xFF << (8 - prio_bits)) & 0xFF
        super().__init__(machine, "nvic", 0xE000E000, 0x1000)

    def reset(self):
        self.enabled = set()          # exception numbers (16+) enabled in ISER
        self.pending = set()          # exception numbers pending
        self.active = []              # stack of active exception numbers
        self.lines = set()            # IRQ lines currently asserted (level)
        self.ipr = bytearray(self.n_irqs)
        self.shpr = bytearray(12)     # priorities of exceptions 4..15
        self.prigroup = 0

    # -- priorities -----------------------------------------------------------
    def priority(self, exc: int) -> int:
        if exc == 1:
            return -3
        if exc == NMI:
            return -2
        if exc == HARDFAULT:
            return -1
        if exc < 16:
            return self.shpr[exc - 4] & self.prio_mask
        return self.ipr[exc - 16] & self.prio_mask

    def group(self, prio: int) -> int:
        if prio < 0:
            return prio
        return prio & ~((2 << self.prigroup) - 1) & 0xFF

    def exec_priority(self, primask: int, faultmask: int, basepri: int) -> int:
        """Current execution priority (lower number = more urgent); 256 = thread, unmasked."""
        p = 256
        for e in self.active:
            p = min(p, self.group(self.priority(e)))
        if basepri & self.prio_mask:
            p = min(p, self.group(basepri & self.prio_mask))
        if primask & 1:
            p = min(p, 0)
        if faultmask & 1:
            p = min(p, -1)
        return p

    def is_enabled(self, exc: int) -> bool:
        if exc >= 16:
            return exc in self.enabled
        if exc in (MEMMANAGE, BUSFAULT, USAGEFAULT):
            return self.m.scb.fault_enabled(exc)
        return True

    def best_pending(self):
        """(exception, priority) of the most urgent pending and enabled exception, or None."""
        best = None
        for e in self.pending:
            if not self.is_enabled(e):
                continue
            key = (self.priority(e), e)
            if best is None or key < best:
                best = key
        return None if best is None else (best[1], best[0])

    def has_wake_source(self) -> bool:
        """WFI wakes on any pending enabled interrupt, masked or not."""
        return self.best_pending() is not None

    # -- state changes --------------------------------------------------------
    def set_pending(self, exc: int):
        if exc not in self.pending:
            self.pending.add(exc)
            self.m.request_check()

    def clear_pending(self, exc: int):
        self.pending.discard(exc)

    def set_line(self, irqn: int, level: bool):
        if level:
            if irqn not in self.lines:
                self.lines.add(irqn)
                self.set_pending(16 + irqn)
        else:
            self.lines.discard(irqn)

    def activate(self, exc: int):
        self.pending.discard(exc)
        self.active.append(exc)

    def deactivate(self, exc: int):
        if exc in self.active:
            self.active.remove(exc)
        # level-sensitive: a line still asserted pends again
        if exc >= 16 and (exc - 16) in self.lines:
            self.pending.add(exc)

    # -- registers ------------------------------------------------------------
    def _bits(self, off, base):
        first = 16 + (off - base) * 8
        return range(first, first + 32)

    def read_reg(self, off):
        if ISER <= off < ISER + 0x40 or ICER <= off < ICER + 0x40:
            base = ISER if off < ICER else ICER
            return sum(1 << i for i, e in enumerate(self._bits(off, base)) if e in self.enabled)
        if ISPR <= off < ISPR + 0x40 or ICPR <= off < ICPR + 0x40:
            base = ISPR if off < ICPR else ICPR
            return sum(1 << i for i, e in enumerate(self._bits(off, base)) if e in self.pending)
        if IABR <= off < IABR + 0x40:
            return sum(1 << i for i, e in enumerate(self._bits(off, IABR)) if e in self.active)
        if IPR <= off < IPR + self.n_irqs:
            n = off - IPR
            return int.from_bytes(self.ipr[n:n + 4].ljust(4, b"\0"), "little")
        return 0

    def write_reg(self, off, value):
        if ISER <= off < ISER + 0x40:
            for i, e in enumerate(self._bits(off, ISER)):
                if value >> i & 1 and e - 16 < self.n_irqs:
                    self.enabled.add(e)
            self.m.request_check()
        elif ICER <= off < ICER + 0x40:
            for i, e in enumerate(self._bits(off, ICER)):
                if value >> i & 1:
                    self.enabled.discard(e)
        elif ISPR <= off < ISPR + 0x40:
            for i, e in enumerate(self._bits(off, ISPR)):
                if value >> i & 1 and e - 16 < self.n_irqs:
                    self.set_pending(e)
        elif ICPR <= off < ICPR + 0x40:
            for i, e in enumerate(self._bits(off, ICPR)):
                if value >> i & 1:
                    self.pending.discard(e)
        elif IPR <= off < IPR + self.n_irqs:
            n = off - IPR
            for k in range(4):
                if n + k < self.n_irqs:
                    self.ipr[n + k] = (value >> (8 * k)) & 0xFF
        elif off == STIR:
            if (value & 0x1FF) < self.n_irqs:
                self.set_pending(16 + (value & 0x1FF))

    def write(self, off, size, value):
        if IPR <= off < IPR + self.n_irqs and size < 4:  # byte access to priorities
            for k in range(size):
                if off - IPR + k < self.n_irqs:
                    self.ipr[off - IPR + k] = (value >> (8 * k)) & 0xFF
            return
        super().write(off, size, value)
