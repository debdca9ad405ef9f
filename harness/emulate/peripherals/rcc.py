"""Reset and clock control (RM0430 section 6 for F413, RM0410 section 5 for F769).

Oscillators and PLLs report ready as soon as they are switched on and CFGR.SWS
follows CFGR.SW, so HAL-style polling loops finish at once. SYSCLK/HCLK are
computed from the registers: that frequency turns cycles into milliseconds.
"""
from .base import Peripheral

CR, PLLCFGR, CFGR, CIR = 0x00, 0x04, 0x08, 0x0C
BDCR, CSR = 0x70, 0x74
_AHB_DIV = {8: 2, 9: 4, 10: 8, 11: 16, 12: 64, 13: 128, 14: 256, 15: 512}
# (on bit, ready bit) pairs in CR
_CR_PAIRS = [(0, 1), (16, 17), (24, 25), (26, 27), (28, 29)]


class Rcc(Peripheral):
    def reset(self):
        self.regs = {CR: 0x0000_0083, PLLCFGR: 0x2400_3010, CFGR: 0, CSR: 0x0E00_0000}
        self.hse_hz = int(self.attrs.get("hse_hz", 8_000_000))
        self.hsi_hz = int(self.attrs.get("hsi_hz", 16_000_000))

    def write_reg(self, off, value):
        if off == CR:
            for on, rdy in _CR_PAIRS:
                if value & (1 << on):
                    value |= 1 << rdy
                else:
                    value &= ~(1 << rdy)
        elif off == CFGR:
            value = (value & ~0xC) | ((value & 0x3) << 2)  # SWS <- SW
        elif off in (BDCR, CSR):  # LSE / LSI ready with their enable
            value = (value & ~2) | ((value & 1) << 1)
        super().write_reg(off, value)
        if off in (CR, PLLCFGR, CFGR):
            self.m.clock_changed()

    def read_reg(self, off):
        return self.regs.get(off, 0)

    # -- derived clocks -------------------------------------------------------
    def pll_hz(self, out="P") -> int:
        v = self.regs[PLLCFGR]
        src = self.hse_hz if v & (1 << 22) else self.hsi_hz
        m = v & 0x3F
        n = (v >> 6) & 0x1FF
        if m == 0:
            return 0
        vco = src * n // m
        if out == "R":
            r = (v >> 28) & 7
            return vco // r if r else 0
        return vco // (((v >> 16) & 3) * 2 + 2)

    def sysclk_hz(self) -> int:
        sws = (self.regs[CFGR] >> 2) & 3
        if sws == 0:
            return self.hsi_hz
        if sws == 1:
            return self.hse_hz
        if sws == 2:
            return self.pll_hz("P")
        return self.pll_hz("R")  # F413: PLLR as system clock

    def hclk_hz(self) -> int:
        hpre = (self.regs[CFGR] >> 4) & 0xF
        return self.sysclk_hz() // _AHB_DIV.get(hpre, 1)

    def pclk_hz(self, apb: int) -> int:
        """APB1/APB2 clock: CFGR.PPRE1 [12:10] / PPRE2 [15:13], 0xx = /1, 1xx = /2../16
        (same field on F4 and F7)."""
        ppre = (self.regs[CFGR] >> (10 if apb == 1 else 13)) & 7
        return self.hclk_hz() >> ((ppre & 3) + 1) if ppre & 4 else self.hclk_hz()
