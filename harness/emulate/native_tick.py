"""SysTick taken without Python: the Python half of hook.c's bt_run / bt_intr_hook.

A 1 kHz SysTick used to cost two trips from the engine into Python per tick (exception
entry after the deadline stop, exception return from the intr hook). In the common
case (thread code interrupted, nothing else pending or active, PRIMASK/FAULTMASK/
BASEPRI open) the C side now takes the tick and returns from it itself, with the same
stacking, registers and cycle charges as ExceptionUnit.take / exception_return.

Before each run slice the run loop `arm()`s it with the SysTick schedule and the
priority state; anything unusual leaves it disarmed and Python takes the tick as
before. Whenever Python gets control again (run loop, MMIO and intr callbacks), `sync()`
folds what C did into the NVIC, the SysTick COUNTFLAG/wrap count and the FP shadow
stack, so Python never sees a state C changed behind its back. Any write to the
System Control Space (SysTick, NVIC, SCB: priorities, VTOR, CPACR, STKALIGN) disarms
it until the run loop re-reads that state. BOARDTWIN_NATIVE_TICK=0 turns it off
(tests compare both).
"""
from __future__ import annotations

import ctypes
import os

from unicorn import arm_const as arm
from unicorn.unicorn_py3 import unicorn as _ucmod

from .peripherals.nvic import SYSTICK

SCS_LO, SCS_HI = 0xE000E000, 0xE000F000


class NativeTick:
    def __init__(self, machine, exc_unit, py_intr):
        from .exceptions import _ENTRY_FP_REGS, _ENTRY_IDS, _FP_REGS, _FRAME_REGS
        self.m, self.exc = machine, exc_unit
        c = machine.counter
        self.ffi, self.lib = c.ffi, c.lib
        ffi = self.ffi
        t = self.t = ffi.new("bt_tick *")
        t.st = c.st
        ucl = _ucmod.uclib
        ptr = lambda f: ffi.cast("void *", ctypes.cast(f, ctypes.c_void_p).value)  # noqa: E731
        t.emu_start = ptr(ucl.uc_emu_start)
        t.reg_read_batch, t.reg_write_batch = ptr(ucl.uc_reg_read_batch), ptr(ucl.uc_reg_write_batch)
        t.mem_read, t.mem_write = ptr(ucl.uc_mem_read), ptr(ucl.uc_mem_write)
        t.py_intr = py_intr
        t.entry_ids[0:len(_ENTRY_FP_REGS)] = list(_ENTRY_FP_REGS)
        t.entry_wids[0:len(_ENTRY_IDS)] = list(_ENTRY_IDS)
        t.check_ids[0:5] = [arm.UC_ARM_REG_PRIMASK, arm.UC_ARM_REG_FAULTMASK, arm.UC_ARM_REG_BASEPRI,
                            arm.UC_ARM_REG_IPSR, arm.UC_ARM_REG_PC]
        t.ret_ids[0:4] = [arm.UC_ARM_REG_IPSR, arm.UC_ARM_REG_MSP, arm.UC_ARM_REG_PSP, arm.UC_ARM_REG_CONTROL]
        t.fp_ids[0:17] = list(_FP_REGS)
        t.frame_ids[0:6] = list(_FRAME_REGS)
        t.psp_id, t.msp_id, t.control_id = arm.UC_ARM_REG_PSP, arm.UC_ARM_REG_MSP, arm.UC_ARM_REG_CONTROL
        t.xpsr_id, t.sp_id, t.pc_id = arm.UC_ARM_REG_XPSR, arm.UC_ARM_REG_SP, arm.UC_ARM_REG_PC
        pipe = machine.timing.pipe
        t.entry_cycles, t.return_cycles = int(pipe["exception_entry"]), int(pipe["exception_return"])
        self.enabled = os.environ.get("BOARDTWIN_NATIVE_TICK") != "0"
        self._h = ffi.cast("void *", machine.uc._uch.value)

    @property
    def hook_fn(self) -> int:
        return int(self.ffi.cast("uintptr_t", self.lib.bt_intr_hook_addr()))

    @property
    def hook_user(self) -> int:
        return int(self.ffi.cast("uintptr_t", self.t))

    def arm(self, max_cycles: int, fault_deadline):
        """Let C take the next SysTicks if nothing but SysTick can interrupt the thread code."""
        t, m = self.t, self.m
        t.armed = 0
        if not self.enabled or m.trace is not None or fault_deadline is not None:
            return
        nv = m.nvic
        if nv.pending or nv.active:
            return
        sy = m.systick
        ev = sy.next_event(m.now())
        if ev is None:
            return
        t.next, t.period, t.other = ev, (sy.rvr + 1) * sy._div(), max_cycles
        t.vtor = m.scb.vtor
        t.group = nv.group(nv.priority(SYSTICK))
        t.basepri_mask = nv.prio_mask
        t.group_mask = ~((2 << nv.prigroup) - 1) & 0xFF
        t.stkalign = 1 if m.scb.ccr & 0x200 else 0
        fpu = m.scb.fpu_enabled()
        t.fpu = 1 if fpu else 0
        t.n_entry = 28 if fpu else 11
        t.armed = 1

    def disarm(self):
        self.t.armed = 0

    def run(self, pc: int) -> int:
        """uc_emu_start from pc with the C side taking due SysTicks; unicorn's error code."""
        return self.lib.bt_run(self.t, self._h, pc)

    def sync(self):
        """Fold the ticks C took (and a handler it entered) into Python's state."""
        t = self.t
        if not t.dirty:
            return
        t.dirty = 0
        if t.taken:
            self.m.systick.taken_at(t.last_take)
            t.taken = 0
        if t.active:
            self.m.nvic.activate(SYSTICK)
            self.exc.fp_shadow.append((t.frame, list(t.fregs) if t.has_fp else None, t.fpca))
            t.active = 0
