"""Run control: reset from the vector table, run in slices between timer deadlines,
deliver interrupts and faults, and decide why the run ended."""
from __future__ import annotations

import ctypes
import struct
import sys
import time
from dataclasses import dataclass, field

from unicorn import (UC_ERR_FETCH_PROT, UC_ERR_FETCH_UNMAPPED, UC_ERR_INSN_INVALID, UC_ERR_READ_PROT,
                     UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_PROT, UC_ERR_WRITE_UNMAPPED, UC_HOOK_INTR,
                     UC_HOOK_MEM_INVALID, UcError)
from unicorn import arm_const as arm
from unicorn.unicorn_py3 import unicorn as _ucmod

from . import boards
from . import elf as elfmod
from .cycles.native import STOP_DEADLINE, STOP_FPU, STOP_NONE, STOP_REQUEST
from .errors import CycleBudgetExceeded, EmulationError, FirmwareFault, PeripheralAccessError
from .exceptions import (BFARVALID, DIVBYZERO, IBUSERR, INVSTATE, NOCP, PRECISERR, UNALIGNED, UNDEFINSTR,
                         ExceptionUnit)
from .machine import Machine
from .native_tick import NativeTick
from .peripherals.nvic import BUSFAULT, HARDFAULT, SVCALL, USAGEFAULT

_WFI16 = {0xBF30, 0xBF20}              # WFI, WFE
_WFI32 = {0x8003F3AF, 0x8002F3AF}      # WFI.W, WFE.W (halfwords little-endian)
HANDLER_GRACE = 2_000_000
# qemu exception numbers unicorn reports that are UsageFaults on ARMv7-M
_USAGE = {1: (UNDEFINSTR, "undefined instruction"), 17: (NOCP, "coprocessor access denied"),
          18: (INVSTATE, "invalid state (Thumb bit clear)"), 22: (UNALIGNED, "unaligned access"),
          23: (DIVBYZERO, "division by zero")}              # cycles a fault handler may run before we call it a hang


@dataclass
class EmulationResult:
    lines: list
    exit_code: int | None
    cycles: int
    instructions: int
    core_hz: int
    wall_s: float
    stop_reason: str          # "exit" | "idle"
    profile: dict | None = None
    stats: dict = field(default_factory=dict)

    @property
    def mips(self) -> float:
        return self.instructions / self.wall_s / 1e6 if self.wall_s else 0.0


class Runner:
    def __init__(self, elf_path, board, *, max_cycles, on_line=None, uart_input=b"", strict=True,
                 trace=False):
        boards.get(board)  # unknown board: say so before looking at the file
        self.image = elfmod.load(elf_path)
        self.m = Machine(board, strict=strict, on_line=on_line)
        self.m.load(self.image)
        self.max_cycles = int(max_cycles)
        self.exc = ExceptionUnit(self.m, self.image)
        self.m.console.feed(uart_input.encode() if isinstance(uart_input, str) else bytes(uart_input))
        self.m._want_precise = False
        self.bad_access = None
        self.trace = trace
        if trace:
            self.m.trace = lambda msg: print(f"[trace {self.m.now():>12}] {msg}", file=sys.stderr)
        self.fault_deadline = None
        self.sleep_cycles = 0
        uc = self.m.uc
        # CPU exceptions: hook.c's bt_intr_hook returns from a SysTick handler the native
        # side entered (native_tick.py) and hands everything else to _on_interrupt, a cffi
        # callback (same error handling as unicorn's own hook wrappers).
        ffi = self.m.counter.ffi
        self._intr_cb = ffi.callback("void(void *, uint32_t, void *)", self._on_interrupt,
                                     onerror=self._hook_error)
        self.tick = NativeTick(self.m, self.exc, self._intr_cb)
        self.m.native_tick = self.tick
        self._intr_hh = ctypes.c_size_t()
        if _ucmod.uclib.uc_hook_add(uc._uch, ctypes.byref(self._intr_hh), UC_HOOK_INTR,
                                    ctypes.c_void_p(self.tick.hook_fn), ctypes.c_void_p(self.tick.hook_user),
                                    ctypes.c_uint64(1), ctypes.c_uint64(0)) != 0:
            raise EmulationError("uc_hook_add for the interrupt hook failed")
        uc.hook_add(UC_HOOK_MEM_INVALID, self._on_invalid_mem)
        self._reset()

    def _reset(self):
        uc = self.m.uc
        vt = self.m.scb.vtor
        try:
            sp, pc = struct.unpack("<II", uc.mem_read(vt, 8))
        except UcError:
            raise EmulationError(f"{self.image.path}: no vector table at 0x{vt:08x}") from None
        flash0 = self.m.flash_ranges[0][0] if self.m.flash_ranges else 0
        if not (pc & 1) or sp == 0xFFFFFFFF:
            # Boot address is the flash (BOOT0 = 0): the alias at 0 may not hold it.
            sp, pc = struct.unpack("<II", uc.mem_read(flash0, 8))
            self.m.scb.regs[0xD08] = flash0
        if not pc & 1:
            raise EmulationError(f"{self.image.path}: reset vector 0x{pc:08x} is not a Thumb address "
                                 f"(is the vector table at 0x{flash0:08x}?)")
        uc.reg_write(arm.UC_ARM_REG_MSP, sp)
        uc.reg_write(arm.UC_ARM_REG_SP, sp)
        uc.reg_write(arm.UC_ARM_REG_PC, pc)
        self.pc = pc & ~1
        self.sp_initial = sp

    # -- hooks --------------------------------------------------------------------
    def _on_interrupt(self, uc, intno, _ud):
        self.tick.sync()
        pc = self.m.regs.read(arm.UC_ARM_REG_PC)
        try:
            if intno in (3, 8) and pc >= 0xFFFFFFE0:  # 8 = EXCP_EXCEPTION_EXIT with FP state active
                self.exc.exception_return(pc | 1)
                self._retune()
                return
            if intno == 2:  # SVC: PC already points after the instruction
                # Synchronous: taken now, or escalated when the priority does not allow it.
                if self.m.nvic.group(self.m.nvic.priority(SVCALL)) < self.exc.exec_priority():
                    self.exc.take(SVCALL, pc)
                else:
                    self.exc.raise_fault(HARDFAULT, pc - 2, why="SVC at a priority that cannot take it")
                return
            if intno == 7:
                raise FirmwareFault("breakpoint (BKPT) executed", pc, self.image.symbol(pc), self.m.now())
            if intno in _USAGE:
                bit, why = _USAGE[intno]
                self.exc.raise_fault(USAGEFAULT, pc, cfsr=bit, why=why)
                return
            raise FirmwareFault(f"unhandled CPU exception {intno}", pc, self.image.symbol(pc), self.m.now())
        except EmulationError as e:
            self.m._fail(e)

    def _hook_error(self, exc_type, exc, tb):
        # as unicorn's own hook wrapper: keep the first exception, emu_start raises it
        uc = self.m.uc
        if uc._hook_exception is None:
            uc._hook_exception = exc
        uc.emu_stop()

    def _on_invalid_mem(self, uc, access, address, size, value, _ud):
        self.bad_access = (access, address, size)
        return False

    # -- helpers ------------------------------------------------------------------
    def _retune(self):
        """Arm the native hook to poll PRIMASK/BASEPRI if an interrupt waits only on them."""
        st = self.m.counter.st
        self.m.counter.clear_poll()
        best = self.m.nvic.best_pending()
        if best is None:
            return
        nv = self.m.nvic
        g = nv.group(best[1])
        active = nv.exec_priority(0, 0, 0)
        if g < active:
            self.m.counter.set_poll(max(g, 0), nv.prio_mask & ~((2 << nv.prigroup) - 1) & 0xFF)

    def _deadline(self):
        now = self.m.now()
        d = self.max_cycles
        ev = self.m.systick.next_event(now)
        if ev is not None:
            d = min(d, ev)
        if self.fault_deadline is not None:
            d = min(d, self.fault_deadline)
        return d

    def _symbol(self, pc):
        return self.image.symbol(pc)

    def _is_wfi(self, pc):
        try:
            h = struct.unpack("<H", self.m.uc.mem_read(pc - 2, 2))[0]
            if h in _WFI16:
                return True
            w = struct.unpack("<I", self.m.uc.mem_read(pc - 4, 4))[0]
            return w in _WFI32
        except UcError:
            return False

    def _precise_restart(self, pc):
        """Roll the counter back to just before the instruction at pc (stopped mid-block)."""
        st = self.m.counter.st
        if st.cur_index >= 0:
            b = self.m.counter._table[st.cur_index]
            if b.addr <= pc < b.addr + b.size:
                # Drop the static cost of the instructions not yet run; entry penalties
                # (taken branch, fetch stalls) already happened and stay.
                rest = [c for a, c in self.m.insn_costs(b.addr, b.size) if a >= pc]
                st.cycles = st.cycles - sum(rest)
                st.insns = st.insns - len(rest)
        self.m.counter.no_taken_once()
        self.m._precise = (pc, st.cycles)

    def _handle_uc_error(self, err, pc):
        code = err.errno
        m = self.m
        if code in (UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_UNMAPPED, UC_ERR_READ_PROT, UC_ERR_WRITE_PROT):
            addr = self.bad_access[1] if self.bad_access else 0
            what = "write to" if code in (UC_ERR_WRITE_UNMAPPED, UC_ERR_WRITE_PROT) else "read from"
            self.exc.raise_fault(BUSFAULT, pc, cfsr=PRECISERR | BFARVALID, bfar=addr,
                                 why=f"{what} 0x{addr:08x} ({'unmapped' if 'UNMAPPED' in str(code) or code in (UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_UNMAPPED) else 'read-only'})")
        elif code in (UC_ERR_FETCH_UNMAPPED, UC_ERR_FETCH_PROT):
            addr = self.bad_access[1] if self.bad_access else pc
            self.exc.raise_fault(BUSFAULT if code == UC_ERR_FETCH_UNMAPPED else HARDFAULT, addr, cfsr=IBUSERR,
                                 why=f"instruction fetch from 0x{addr:08x}")
        elif code == UC_ERR_INSN_INVALID:
            self.exc.raise_fault(USAGEFAULT, pc, cfsr=UNDEFINSTR, why="undefined or unsupported instruction")
        else:
            raise FirmwareFault(f"CPU error: {err}", pc, self._symbol(pc), m.now())
        self.bad_access = None

    def _fpu_fault(self):
        """A block with FPU instructions was about to run with CPACR denying access:
        run up to the first FPU instruction, then raise UsageFault NOCP there."""
        st = self.m.counter.st
        b = self.m.counter._table[st.cur_index]
        info = self.m.block_info[(b.addr, b.size)]
        first = next(i.addr for i in info.insns if i.kind in ("fp", "fp_mem"))
        if first != b.addr:
            # the partial block before `first` has no FPU instruction
            self.m.counter.set_fpu_enabled(True)
            try:
                self.m.uc.emu_start(b.addr | 1, first, count=len(info.insns))
            finally:
                self.m.fpu_access_changed()
        if self.m.scb.fpu_enabled():  # the instructions before `first` granted access
            return
        self.exc.raise_fault(USAGEFAULT, first, cfsr=NOCP, why="FPU instruction with CPACR denying access")

    # -- main loop ----------------------------------------------------------------
    def run(self) -> EmulationResult:
        m, uc, st = self.m, self.m.uc, self.m.counter.st
        t0 = time.perf_counter()
        stop_reason = None
        pc = self.pc
        guard = 0
        while True:
            m.systick.service(m.now())
            if self.exc.fault is None:
                self.fault_deadline = None  # the fault handler returned
            if self.fault_deadline is not None and m.now() >= self.fault_deadline:
                f = self.exc.fault
                raise FirmwareFault(f"{f['kind']}: {f['why']} (firmware stays in its fault handler)",
                                    f["pc"], self._symbol(f["pc"]), f["cycles"], cfsr=m.scb.regs.get(0xD28, 0),
                                    hfsr=m.scb.regs.get(0xD2C, 0),
                                    mmfar=m.scb.regs.get(0xD34) if m.scb.regs.get(0xD28, 0) & 0x80 else None,
                                    bfar=m.scb.regs.get(0xD38) if m.scb.regs.get(0xD28, 0) & 0x8000 else None)
            if m.now() >= self.max_cycles:
                raise self._budget(pc)
            st.stop_req = 0  # pending state is being handled right here
            if self.exc.try_take_pending(pc):
                pc = m.pc() & ~1
            self._retune()
            self.m.counter.set_deadline(self._deadline())
            self.tick.arm(self.max_cycles, self.fault_deadline)
            st.stop_reason = STOP_NONE
            m._want_precise = False
            err = None
            # uc.emu_start's contract, with hook.c's bt_run in the middle (it takes the
            # due SysTicks natively and restarts the engine itself)
            uc._hook_exception = None
            rc = self.tick.run(pc)
            self.tick.sync()
            if rc != 0:
                err = UcError(rc)
            elif uc._hook_exception is not None:
                raise uc._hook_exception
            pc = m.pc() & ~1
            if self.m.counter.error is not None:
                raise self.m.counter.error
            if m.unknown_access is not None:
                access, addr, size = m.unknown_access
                e = PeripheralAccessError(access, addr, size, pc, self._symbol(pc), m.now())
                e.lines = list(m.lines)
                raise e
            if m.error is not None:
                e = m.error
                if e.pc is None:
                    e.pc, e.symbol = pc, self._symbol(pc)
                e.lines = list(m.lines)
                raise e
            if m.exit_code is not None:
                stop_reason = "exit"
                break
            if err is not None:
                self._handle_uc_error(err, pc)
                pc = m.pc() & ~1
                self._arm_fault_deadline()
                continue
            if m._want_precise:
                self._precise_restart(pc)
                continue
            reason = st.stop_reason
            if reason == STOP_FPU:
                self._fpu_fault()
                pc = m.pc() & ~1
                self._arm_fault_deadline()
                continue
            if reason in (STOP_DEADLINE, STOP_REQUEST):
                continue
            # emu_start returned on its own: WFI/WFE (unicorn halts there)
            if self._is_wfi(pc):
                if not self._sleep(pc):
                    stop_reason = "idle"
                    break
                continue
            guard += 1
            if guard > 1000:
                raise FirmwareFault("emulation stopped for no known reason", pc, self._symbol(pc), m.now())
        wall = time.perf_counter() - t0
        return EmulationResult(list(m.lines), m.exit_code, m.now(), st.insns, m.core_hz(), wall, stop_reason,
                               None, stats=dict(fetch_stall_cycles=st.fetch_stall_cycles,
                                                cache_hits=st.cache_hits, cache_misses=st.cache_misses,
                                                data_stall_cycles=st.data_stall_cycles,
                                                dcache_hits=st.dcache_hits, dcache_misses=st.dcache_misses,
                                                sleep_cycles=self.sleep_cycles,
                                                uart_wait_cycles=m.uart_wait_cycles))

    def _arm_fault_deadline(self):
        if self.exc.fault is not None and self.fault_deadline is None:
            self.fault_deadline = self.m.now() + HANDLER_GRACE

    def _sleep(self, pc) -> bool:
        """WFI: wake on a pending interrupt, else skip time to the next timer event.
        False when nothing can ever wake the core."""
        m = self.m
        if m.nvic.has_wake_source():
            return True
        ev = m.systick.next_event(m.now())
        if ev is None:
            return False
        if ev >= self.max_cycles:
            m.counter.add(self.max_cycles - m.now())
            raise self._budget(pc)
        if m.trace is not None:
            m.trace(f"WFI at {self._symbol(pc)}: sleep {ev - m.now()} cycles")
        self.sleep_cycles += ev - m.now()
        m.counter.add(ev - m.now())
        m.systick.service(m.now())
        return True

    def _budget(self, pc):
        e = CycleBudgetExceeded(self.max_cycles, pc, self._symbol(pc), self.m.now())
        e.lines = list(self.m.lines)
        return e


def emulate(elf, board, *, max_cycles, on_line=None, uart_input=b"", profile=False, trace=False,
            strict=True) -> EmulationResult:
    """Run `elf` on the emulated `board` ("f413" | "f769") until the firmware prints
    `BOARDTWIN-EXIT <code>`, idles in WFI with nothing left to wake it, faults, or
    uses up `max_cycles`."""
    r = Runner(elf, board, max_cycles=max_cycles, on_line=on_line, uart_input=uart_input, strict=strict,
               trace=trace)
    if profile:
        from .profile import build_profile, paint_stack
        paint_stack(r)
        r.m.counter.enable_profile()
    res = r.run()
    if profile:
        res.profile = build_profile(r)
    return res
