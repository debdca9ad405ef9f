"""Data watchpoint and trace unit: CYCCNT = modelled core cycles while
DWT_CTRL.CYCCNTENA (and DEMCR.TRCENA) are set. Reads are exact to the instruction:
the machine stops before the reading load and re-runs it (see Machine.precise_now)."""
from .base import Peripheral

CTRL, CYCCNT, LAR, LSR = 0x00, 0x04, 0xFB0, 0xFB4
CYCCNTENA = 1


class Dwt(Peripheral):
    def __init__(self, machine):
        super().__init__(machine, "dwt", 0xE0001000, 0x1000)

    def reset(self):
        self.ctrl = 0x4000_0000  # NUMCOMP=4, cycle counter present (NOCYCCNT=0)
        self.base_val = 0
        self.base_cyc = 0
        self.running = False

    def _counting(self):
        return bool(self.ctrl & CYCCNTENA) and self.m.trace_enabled()

    def _sync(self, now):
        """Re-base so later changes of the enable bits keep the value continuous."""
        if self.running:
            self.base_val = (self.base_val + now - self.base_cyc) & 0xFFFFFFFF
        self.base_cyc = now
        self.running = self._counting()

    def cyccnt(self, now):
        if not self.running:
            return self.base_val
        return (self.base_val + now - self.base_cyc) & 0xFFFFFFFF

    def read_reg(self, off):
        if off == CTRL:
            return self.ctrl
        if off == CYCCNT:
            now = self.m.precise_now()
            return 0 if now is None else self.cyccnt(now)
        if off == LSR:
            return 0
        return self.regs.get(off, 0)

    def write_reg(self, off, value):
        # Re-executing these stores is harmless, so writes are exact too.
        now = self.m.precise_now()
        if now is None:
            return
        if off == CTRL:
            self._sync(now)
            self.ctrl = (self.ctrl & 0xFFFF_0000) | (value & 0xFFFF)
            self._sync(now)
        elif off == CYCCNT:
            self._sync(now)
            self.base_val = value & 0xFFFFFFFF
        else:
            super().write_reg(off, value)

    def trace_changed(self):
        self._sync(self.m.now())
