"""SysTick timer counting the modelled core cycles (or HCLK/8 when CLKSOURCE=0).

The counter is not stepped: its value is computed from the cycle count when read,
and the run loop is given the cycle of the next wrap as a deadline.
"""
from .base import Peripheral

CSR, RVR, CVR, CALIB = 0x10, 0x14, 0x18, 0x1C
ENABLE, TICKINT, CLKSOURCE, COUNTFLAG = 1, 2, 4, 1 << 16


class SysTick(Peripheral):
    def __init__(self, machine):
        super().__init__(machine, "systick", 0xE000E000, 0x1000)

    def reset(self):
        self.csr = 0
        self.rvr = 0
        self.cvr_at_base = 0    # counter value at `base`
        self.t0 = 0             # cycle when counting (re)started
        self.countflag = False
        self.last_wraps = 0

    def _div(self):
        return 1 if self.csr & CLKSOURCE else 8

    def _ticks(self, now):
        return (now - self.t0) // self._div()

    def _wraps(self, now):
        """Number of 1 -> 0 transitions since `base` (each sets COUNTFLAG / pends SysTick)."""
        if not self.csr & ENABLE:
            return 0
        t, c0 = self._ticks(now), self.cvr_at_base
        if t < c0 or (c0 == 0 and self.rvr == 0):
            return 0
        first = 1 if c0 > 0 else 0
        return first + ((t - c0) // (self.rvr + 1) if self.rvr else 0)

    def value(self, now):
        if not self.csr & ENABLE:
            return self.cvr_at_base
        t, c0 = self._ticks(now), self.cvr_at_base
        if t <= c0:
            return c0 - t
        if self.rvr == 0:
            return 0
        return self.rvr - ((t - c0 - 1) % (self.rvr + 1))

    def next_event(self, now):
        """Cycle of the next 1 -> 0 transition when it raises an interrupt, or None."""
        if not (self.csr & ENABLE and self.csr & TICKINT) or self.rvr == 0:
            return None
        j = self._wraps(now) + 1
        c0 = self.cvr_at_base
        if c0 > 0:
            tick = c0 if j == 1 else c0 + (j - 1) * (self.rvr + 1)
        else:
            tick = j * (self.rvr + 1)
        return self.t0 + tick * self._div()

    def _count_wraps(self, now) -> bool:
        """Count the wraps up to `now` (COUNTFLAG); True if there were new ones."""
        w = self._wraps(now)
        if w <= self.last_wraps:
            return False
        self.countflag = True
        self.last_wraps = w
        return True

    def service(self, now):
        """Called by the run loop: pend SysTick for wraps that happened."""
        if self._count_wraps(now) and self.csr & TICKINT:
            self.m.nvic.set_pending(15)

    def taken_at(self, now):
        """The native hook took the SysTick interrupt at `now` (native_tick.py): the wraps
        up to then are counted as service() would, without pending it again."""
        self._count_wraps(now)

    def _restart(self, now, cvr):
        self.t0 = now
        self.cvr_at_base = cvr
        self.last_wraps = 0

    def read_reg(self, off):
        now = self.m.now()
        if off == CSR:
            self.service_flag(now)
            v = self.csr | (COUNTFLAG if self.countflag else 0)
            self.countflag = False
            return v
        if off == RVR:
            return self.rvr
        if off == CVR:
            return self.value(now)
        if off == CALIB:
            return 0x4000_0000 | 0  # NOREF=0 SKEW=1, TENMS unknown
        return 0

    def service_flag(self, now):
        if self._wraps(now) > self.last_wraps:
            self.countflag = True

    def write_reg(self, off, value):
        now = self.m.now()
        if off == CSR:
            was = self.csr
            cur = self.value(now)
            self.service(now)
            self.csr = value & 7
            if not was & ENABLE and value & ENABLE:
                self._restart(now, cur)
            elif was & ENABLE and not value & ENABLE:
                self._restart(now, cur)
            elif (was ^ value) & CLKSOURCE:
                self._restart(now, cur)
            self.m.timers_changed()
        elif off == RVR:
            self.rvr = value & 0xFFFFFF
            self.m.timers_changed()
        elif off == CVR:
            # any write clears the counter and COUNTFLAG; reload happens on the next tick
            self.service(now)
            self._restart(now, 0)
            self.countflag = False
            self.m.timers_changed()
