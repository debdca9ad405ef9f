"""Power controller. F4: regulator scaling (VOS) ready at once. F7: the over-drive
handshakes ODEN->ODRDY and ODSWEN->ODSWRDY that SystemClock_Config waits on at 216 MHz."""
from .base import Peripheral

CR1, CSR1 = 0x00, 0x04
VOSRDY = 1 << 14
ODEN, ODSWEN = 1 << 16, 1 << 17
ODRDY, ODSWRDY = 1 << 16, 1 << 17


class Pwr(Peripheral):
    family = "f4"

    def reset(self):
        self.family = self.attrs.get("family", "f4")
        self.regs = {CR1: 0x0000_C000, CSR1: VOSRDY}

    def write_reg(self, off, value):
        super().write_reg(off, value)
        if off == CR1 and self.family == "f7":
            csr = self.regs.get(CSR1, 0) & ~(ODRDY | ODSWRDY)
            if value & ODEN:
                csr |= ODRDY
            if value & ODSWEN:
                csr |= ODSWRDY
            self.regs[CSR1] = csr | VOSRDY
        elif off == CSR1:
            self.regs[CSR1] = (value & ~(ODRDY | ODSWRDY)) | VOSRDY | (self.regs.get(CSR1, 0) & (ODRDY | ODSWRDY))

    def read_reg(self, off):
        if off == CSR1:
            return self.regs.get(CSR1, 0) | VOSRDY
        return self.regs.get(off, 0)
