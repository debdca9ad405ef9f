"""ARMv7-M exception entry and return, done by us because unicorn has no NVIC.

Entry pushes the basic 8-word frame (r0-r3, r12, lr, return address, xPSR) on the
active stack with 8-byte alignment (CCR.STKALIGN), sets LR to EXC_RETURN, IPSR and
PC to the vector. Floating-point state: instead of the hardware's (lazy) extended
frame, s0-s15 and FPSCR are saved in a shadow stack on the host while the FPU is
enabled, so handlers that use the FPU do not corrupt the interrupted code; the
guest stack usage is the basic frame's (documented deviation, 72 bytes less).
Return arrives from unicorn as interrupt 3 with PC >= 0xFFFFFFE0.
"""
from __future__ import annotations

import struct

from unicorn import arm_const as arm

from .errors import FirmwareFault
from .peripherals.nvic import BUSFAULT, HARDFAULT, MEMMANAGE, USAGEFAULT

_FRAME_REGS = (arm.UC_ARM_REG_R0, arm.UC_ARM_REG_R1, arm.UC_ARM_REG_R2, arm.UC_ARM_REG_R3,
               arm.UC_ARM_REG_R12, arm.UC_ARM_REG_LR)
_FP_REGS = tuple(getattr(arm, f"UC_ARM_REG_S{i}") for i in range(16)) + (arm.UC_ARM_REG_FPSCR,)
_MASK_REGS = (arm.UC_ARM_REG_PRIMASK, arm.UC_ARM_REG_FAULTMASK, arm.UC_ARM_REG_BASEPRI)
_ENTRY_REGS = _FRAME_REGS + (arm.UC_ARM_REG_IPSR, arm.UC_ARM_REG_CONTROL, arm.UC_ARM_REG_MSP,
                             arm.UC_ARM_REG_PSP, arm.UC_ARM_REG_XPSR)
_ENTRY_FP_REGS = _ENTRY_REGS + _FP_REGS
_EPSR_IT_ICI = 0x0600FC00  # xPSR bits 26:25 and 15:10

_RETURN_REGS = (arm.UC_ARM_REG_IPSR, arm.UC_ARM_REG_MSP, arm.UC_ARM_REG_PSP, arm.UC_ARM_REG_CONTROL)
_TAIL = (arm.UC_ARM_REG_LR, arm.UC_ARM_REG_IPSR, arm.UC_ARM_REG_PC)
# registers bt_exc_enter writes (see ExceptionUnit.take)
_ENTRY_IDS = (arm.UC_ARM_REG_CONTROL, arm.UC_ARM_REG_PSP, arm.UC_ARM_REG_MSP, arm.UC_ARM_REG_SP,
              arm.UC_ARM_REG_XPSR) + _TAIL
_FRAME = struct.Struct("<8I")
# return writes: [s0-s15, FPSCR] r0-r3 r12 lr (PSP | MSP) CONTROL XPSR SP PC, keyed by (FP, PSP)
_RETURN_WRITES = {(f, p): (_FP_REGS if f else ()) + _FRAME_REGS
                  + (arm.UC_ARM_REG_PSP if p else arm.UC_ARM_REG_MSP,)
                  + (arm.UC_ARM_REG_CONTROL, arm.UC_ARM_REG_XPSR, arm.UC_ARM_REG_SP, arm.UC_ARM_REG_PC)
                  for f in (False, True) for p in (False, True)}

# CFSR bits
IACCVIOL, DACCVIOL, MMARVALID = 1 << 0, 1 << 1, 1 << 7
IBUSERR, PRECISERR, BFARVALID = 1 << 8, 1 << 9, 1 << 15
UNDEFINSTR, INVSTATE, INVPC, NOCP, UNALIGNED, DIVBYZERO = 1 << 16, 1 << 17, 1 << 18, 1 << 19, 1 << 24, 1 << 25
HFSR_FORCED, HFSR_VECTTBL = 1 << 30, 1 << 1

FAULT_NAMES = {HARDFAULT: "HardFault", MEMMANAGE: "MemManage", BUSFAULT: "BusFault", USAGEFAULT: "UsageFault"}


class ExceptionUnit:
    def __init__(self, machine, image):
        self.m = machine
        self.uc = machine.uc
        self.image = image
        self.fp_shadow = []
        self.fault = None          # details of the last fault taken (for reports)
        self.t = machine.timing.pipe
        self.regs = machine.regs

    # -- helpers ----------------------------------------------------------------
    def _r(self, reg):
        return self.regs.read(reg)

    def exec_priority(self):
        return self.m.nvic.exec_priority(*self.regs.read_many(_MASK_REGS))

    def vector(self, exc):
        return self.regs.read_u32(self.m.scb.vtor + 4 * exc)

    # -- entry --------------------------------------------------------------------
    def take(self, exc, return_pc, *, tail_chain_lr=None):
        nv = self.m.nvic
        handler = self.vector(exc)
        if not handler or not handler & 1:
            raise self._fault_error(f"no valid vector for exception {exc} (vector table at "
                                    f"0x{self.m.scb.vtor:08x})", return_pc)
        m = self.m
        if tail_chain_lr is not None:
            m.counter.add(self.t["tail_chain"])
        else:
            # One native call (cycles/hook.c bt_exc_enter): read r0-r3, r12, lr, IPSR, CONTROL,
            # MSP, PSP, xPSR (+ s0-s15, FPSCR with the FPU on); push the basic frame
            # (r0-r3, r12, lr, return address, xPSR with bit 9 = 4-byte alignment pad) on the
            # active stack, 8-byte aligned when CCR.STKALIGN; then write the handler's
            # registers: main stack, no active FP context (CONTROL.SPSEL, FPCA = 0), SP = frame,
            # xPSR without EPSR.IT/ICI (ARMv7-M ARM B1.5.6; the stacked xPSR keeps them for the
            # return: unicorn keeps its IT state across our PC change otherwise, and the
            # handler's first instructions would run under the interrupted IT condition),
            # LR = EXC_RETURN (F1 from a handler, FD from thread on PSP, F9 on MSP), IPSR, PC.
            fpu = m.scb.fpu_enabled()
            ok, frame, control, r = self.regs.exc_enter(_ENTRY_FP_REGS if fpu else _ENTRY_REGS, _ENTRY_IDS,
                                                        return_pc, m.scb.ccr & 0x200, exc, handler)
            if not ok:
                raise self._fault_error(f"stacking error: frame at 0x{frame:08x} is not writable RAM "
                                        f"(stack overflow or bad SP)", return_pc, lockup=True)
            self.fp_shadow.append((frame, r[11:] if fpu else None, control & 4))
            m.counter.add(self.t["exception_entry"])
        nv.activate(exc)
        if m.trace is not None:
            m.trace(f"enter exception {exc} ({self.image.symbol(handler & ~1)}) from "
                    f"{'tail-chain' if tail_chain_lr is not None else self.image.symbol(return_pc) or hex(return_pc)}")
        if tail_chain_lr is not None:
            self.regs.write_many(_TAIL, (tail_chain_lr, exc, handler | 1))
        m.counter.no_taken_once()

    def try_take_pending(self, return_pc) -> bool:
        best = self.m.nvic.best_pending()
        if best is None:
            return False
        exc, prio = best
        if self.m.nvic.group(prio) < self.exec_priority():
            self.take(exc, return_pc)
            return True
        return False

    # -- return -------------------------------------------------------------------
    def exception_return(self, exc_return):
        nv = self.m.nvic
        cur, msp, psp, control = self.regs.read_many(_RETURN_REGS)
        done = cur if cur in nv.active else (nv.active[-1] if nv.active else cur)
        nv.deactivate(done)
        if self.fault is not None and done == self.fault.get("exc"):
            self.fault = None  # the handler recovered
        # Tail-chain: a pending exception that may pre-empt the context we return to.
        best = nv.best_pending()
        if best is not None:
            if nv.group(best[1]) < self.exec_priority():
                self.take(best[0], 0, tail_chain_lr=exc_return)
                return
        to_thread = exc_return & 8
        use_psp = exc_return & 4
        sp = psp if use_psp else msp
        data = self.regs.read_mem(sp, 32)
        if data is None:
            raise self._fault_error(f"unstacking error: frame at 0x{sp:08x} unreadable", self.m.pc(), lockup=True)
        vals = _FRAME.unpack(data)
        xpsr = vals[7]
        new_sp = sp + 32 + (4 if xpsr & (1 << 9) else 0)
        control &= ~4
        fp, values = False, []
        if self.fp_shadow:
            frame, fregs, fpca = self.fp_shadow.pop()
            if fregs is not None and frame == sp:
                fp, values = True, list(fregs)
                control |= fpca
        values += vals[:6]
        if to_thread:
            control = (control | 2) if use_psp else (control & ~2)
        values += (new_sp, control, (xpsr & ~(1 << 9)) | (1 << 24), new_sp, vals[6] | 1)
        # one batch, in the order the registers were always written
        self.regs.write_many(_RETURN_WRITES[(fp, bool(use_psp))], values)
        self.m.counter.add(self.t["exception_return"])
        self.m.counter.no_taken_once()
        if self.m.trace is not None:
            self.m.trace(f"return to {self.image.symbol(vals[6]) or hex(vals[6])}")

    # -- faults -------------------------------------------------------------------
    def raise_fault(self, kind_exc, pc, *, cfsr=0, mmfar=None, bfar=None, why=""):
        """Synchronous fault at `pc`: take the configurable fault if enabled and allowed,
        else escalate to HardFault; a fault at HardFault priority is a lockup."""
        scb, nv = self.m.scb, self.m.nvic
        scb.record_fault(cfsr_bits=cfsr, mmfar=mmfar, bfar=bfar)
        exc = kind_exc
        prio_now = self.exec_priority()
        if exc != HARDFAULT and (not nv.is_enabled(exc) or nv.group(nv.priority(exc)) >= prio_now):
            exc = HARDFAULT
            scb.record_fault(hfsr_bits=HFSR_FORCED)
        self.fault = dict(kind=FAULT_NAMES[kind_exc], why=why, pc=pc, cfsr=cfsr, mmfar=mmfar, bfar=bfar,
                          cycles=self.m.now(), exc=exc)
        if self.m.trace is not None:
            self.m.trace(f"fault: {FAULT_NAMES[kind_exc]} at {self.image.symbol(pc) or hex(pc)}: {why}")
        if exc == HARDFAULT and prio_now <= -1:
            raise self._fault_error(f"lockup: {FAULT_NAMES[kind_exc]} ({why}) while in HardFault", pc)
        handler = self.vector(exc)
        if not handler:
            raise self._fault_error(f"{FAULT_NAMES[kind_exc]}: {why} (no handler installed)", pc)
        self.take(exc, pc)

    def _fault_error(self, what, pc, lockup=False):
        scb = self.m.scb
        f = self.fault or {}
        bfar = scb.regs.get(0xD38) if scb.regs.get(0xD28, 0) & BFARVALID else None
        mmfar = scb.regs.get(0xD34) if scb.regs.get(0xD28, 0) & MMARVALID else None
        return FirmwareFault(what, pc, self.image.symbol(pc), self.m.now(), cfsr=scb.regs.get(0xD28, 0),
                             hfsr=scb.regs.get(0xD2C, 0), mmfar=mmfar, bfar=bfar)
