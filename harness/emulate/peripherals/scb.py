"""System control block and the other System Control Space registers that are not
NVIC or SysTick: CPUID, ICSR, VTOR, AIRCR, SCR, CCR (M7 cache enables), SHPR, SHCSR,
fault status (CFSR/HFSR/MMFAR/BFAR), CPACR (FPU access), CoreDebug DEMCR, FPU
context registers, M7 cache maintenance and cache identification. Offsets are from
the SCS base 0xE000E000."""
from .base import Peripheral
from .nvic import BUSFAULT, MEMMANAGE, PENDSV, SVCALL, SYSTICK, USAGEFAULT

ICTR, ACTLR = 0x004, 0x008
CPUID, ICSR, VTOR, AIRCR, SCR, CCR = 0xD00, 0xD04, 0xD08, 0xD0C, 0xD10, 0xD14
SHPR1, SHCSR, CFSR, HFSR, DFSR, MMFAR, BFAR, AFSR = 0xD18, 0xD24, 0xD28, 0xD2C, 0xD30, 0xD34, 0xD38, 0xD3C
CLIDR, CTR, CCSIDR, CSSELR, CPACR = 0xD78, 0xD7C, 0xD80, 0xD84, 0xD88
DHCSR, DEMCR = 0xDF0, 0xDFC
FPCCR, FPCAR, FPDSCR = 0xF34, 0xF38, 0xF3C
ICIALLU, ICIMVAU, DCIMVAC, DCISW = 0xF50, 0xF58, 0xF5C, 0xF60
CACHE_OPS = range(0xF50, 0xF78)

CCR_DC, CCR_IC, CCR_BP = 1 << 16, 1 << 17, 1 << 18
_FAULT_ENA = {MEMMANAGE: 1 << 16, BUSFAULT: 1 << 17, USAGEFAULT: 1 << 18}
_ACT_BITS = {MEMMANAGE: 0, BUSFAULT: 1, USAGEFAULT: 3, SVCALL: 7, PENDSV: 10, SYSTICK: 11}
_PEND_BITS = {USAGEFAULT: 12, MEMMANAGE: 13, BUSFAULT: 14, SVCALL: 15}

_CPU = {
    "cortex-m4": dict(cpuid=0x410FC241, ccr=0x200),
    "cortex-m7": dict(cpuid=0x411FC270, ccr=0x200, clidr=0x09000003, ctr=0x8303C003,
                      ccsidr_d=0xF00FE019, ccsidr_i=0xF01FE009),
}


class Scb(Peripheral):
    def __init__(self, machine, core: str):
        self.core = core
        self.ids = _CPU[core]
        super().__init__(machine, "scb", 0xE000E000, 0x1000)

    def reset(self):
        self.regs = {CCR: self.ids["ccr"], FPCCR: 0xC000_0000, VTOR: 0}

    @property
    def vtor(self) -> int:
        return self.regs[VTOR]

    @property
    def ccr(self) -> int:
        return self.regs[CCR]

    def fpu_enabled(self) -> bool:
        cp = self.regs.get(CPACR, 0)
        return bool((cp >> 20) & 3) and bool((cp >> 22) & 3)

    def fault_enabled(self, exc) -> bool:
        return bool(self.regs.get(SHCSR, 0) & _FAULT_ENA[exc])

    def record_fault(self, cfsr_bits=0, hfsr_bits=0, mmfar=None, bfar=None):
        self.regs[CFSR] = self.regs.get(CFSR, 0) | cfsr_bits
        self.regs[HFSR] = self.regs.get(HFSR, 0) | hfsr_bits
        if mmfar is not None:
            self.regs[MMFAR] = mmfar & 0xFFFFFFFF
        if bfar is not None:
            self.regs[BFAR] = bfar & 0xFFFFFFFF

    def read_reg(self, off):
        nv = self.m.nvic
        if off == ICTR:
            return (nv.n_irqs + 31) // 32 - 1
        if off == CPUID:
            return self.ids["cpuid"]
        if off == ICSR:
            v = nv.active[-1] if nv.active else 0
            best = nv.best_pending()
            if best:
                v |= (best[0] & 0x1FF) << 12
            if any(e >= 16 for e in nv.pending):
                v |= 1 << 22
            if PENDSV in nv.pending:
                v |= 1 << 28
            if SYSTICK in nv.pending:
                v |= 1 << 26
            if len(nv.active) <= 1:
                v |= 1 << 11  # RETTOBASE
            return v
        if off == AIRCR:
            return 0xFA05_0000 | (nv.prigroup << 8)
        if SHPR1 <= off < SHPR1 + 12:
            n = off - SHPR1
            return int.from_bytes(nv.shpr[n:n + 4], "little")
        if off == SHCSR:
            v = self.regs.get(SHCSR, 0) & 0x70000
            for e, b in _ACT_BITS.items():
                if e in nv.active:
                    v |= 1 << b
            for e, b in _PEND_BITS.items():
                if e in nv.pending:
                    v |= 1 << b
            return v
        if off == CLIDR:
            return self.ids.get("clidr", 0)
        if off == CTR:
            return self.ids.get("ctr", 0)
        if off == CCSIDR:
            if "ccsidr_d" not in self.ids:
                return 0
            return self.ids["ccsidr_i"] if self.regs.get(CSSELR, 0) & 1 else self.ids["ccsidr_d"]
        if off == DHCSR:
            return 0  # no debugger attached
        if off in CACHE_OPS:
            return 0
        return self.regs.get(off, 0)

    def write_reg(self, off, value):
        nv = self.m.nvic
        if off == ICSR:
            if value & (1 << 28):
                nv.set_pending(PENDSV)
            if value & (1 << 27):
                nv.clear_pending(PENDSV)
            if value & (1 << 26):
                nv.set_pending(SYSTICK)
            if value & (1 << 25):
                nv.clear_pending(SYSTICK)
            if value & (1 << 31):
                nv.set_pending(2)
            return
        if off == AIRCR:
            if (value >> 16) != 0x05FA:
                return  # writes without VECTKEY are ignored
            nv.prigroup = (value >> 8) & 7
            if value & 4:
                self.m.system_reset_requested()
            return
        if SHPR1 <= off < SHPR1 + 12:
            n = off - SHPR1
            for k in range(4):
                nv.shpr[n + k] = (value >> (8 * k)) & 0xFF
            return
        if off in (CFSR, HFSR):  # write one to clear
            self.regs[off] = self.regs.get(off, 0) & ~value
            return
        if off == SHCSR:
            self.regs[SHCSR] = value & 0x70000
            return
        if off == VTOR:
            self.regs[VTOR] = value & 0xFFFF_FF80
            return
        if off in (CPUID, CLIDR, CTR, CCSIDR, ICTR):
            return
        if off in CACHE_OPS:
            if off in (ICIALLU, ICIMVAU):
                self.m.memory_timing_changed(reset_cache=True)
            elif off in (DCISW, DCIMVAC) and not self.regs[CCR] & CCR_DC:
                self._dc_invalidate_pending = True  # invalidate-before-enable sequence
            return  # clean operations: the model keeps memory coherent
        super().write_reg(off, value)
        if off == CPACR:
            self.m.fpu_access_changed()
        elif off == DEMCR:
            self.m.dwt.trace_changed()  # TRCENA gates CYCCNT
        elif off == CCR:
            self.m.memory_timing_changed(reset_dcache=getattr(self, "_dc_invalidate_pending", False))
            self._dc_invalidate_pending = False

    def write(self, off, size, value):
        if SHPR1 <= off < SHPR1 + 12 and size < 4:
            for k in range(size):
                self.m.nvic.shpr[off - SHPR1 + k] = (value >> (8 * k)) & 0xFF
            return
        super().write(off, size, value)
