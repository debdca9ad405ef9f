"""GPIO port: registers stored; BSRR sets/resets ODR; IDR mirrors ODR (no pins)."""
from .base import Peripheral

MODER, OTYPER, OSPEEDR, PUPDR, IDR, ODR, BSRR = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18


class Gpio(Peripheral):
    def reset(self):
        self.regs = {MODER: int(self.attrs.get("modeResetValue", 0)),
                     OSPEEDR: int(self.attrs.get("outputSpeedResetValue", 0)),
                     PUPDR: int(self.attrs.get("pullUpPullDownResetValue", 0)), ODR: 0}

    def write_reg(self, off, value):
        if off == BSRR:
            odr = self.regs[ODR]
            odr |= value & 0xFFFF
            odr &= ~(value >> 16)
            self.regs[ODR] = odr & 0xFFFF
            return
        super().write_reg(off, value)

    def read_reg(self, off):
        if off == IDR:
            return self.regs[ODR]
        if off == BSRR:
            return 0
        return self.regs.get(off, 0)
