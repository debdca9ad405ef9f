"""Flash interface: ACR (latency, prefetch, ART / caches) as programmed, so the cycle
model can read the wait states; the key registers just store values (no programming)."""
from .base import Peripheral

ACR, KEYR, OPTKEYR, SR, CR = 0x00, 0x04, 0x08, 0x0C, 0x10
PRFTEN, ICEN, DCEN, ICRST, DCRST = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12


class FlashCtrl(Peripheral):
    def reset(self):
        self.regs = {ACR: 0, CR: 0x8000_0000}

    def write_reg(self, off, value):
        if off == KEYR:  # KEY1 then KEY2 unlocks CR
            if value == 0xCDEF89AB and self.regs.get(KEYR) == 0x45670123:
                self.regs[CR] &= ~0x8000_0000
            self.regs[KEYR] = value
            return
        if off == CR and not value & 0x8000_0000:
            value |= self.regs[CR] & 0x8000_0000  # LOCK is only cleared by the key sequence
        super().write_reg(off, value)
        if off == ACR:
            self.m.memory_timing_changed(reset_cache=bool(value & ICRST), reset_dcache=bool(value & DCRST))

    @property
    def latency(self) -> int:
        return self.regs[ACR] & 0xF

    @property
    def prefetch(self) -> bool:
        return bool(self.regs[ACR] & PRFTEN)

    @property
    def dcache(self) -> bool:
        """F4 only: ART data cache enable (F7 has no flash data cache: L1 D-cache instead)."""
        return self.attrs.get("family", "f4") == "f4" and bool(self.regs[ACR] & DCEN)

    @property
    def art(self) -> bool:
        """F4: instruction cache enable; F7: ART accelerator enable (bit 9 on both)."""
        return bool(self.regs[ACR] & ICEN)
