"""The virtual board: unicorn CPU, memories and peripherals from the .repl, the bus
that routes MMIO accesses, and the services peripherals call back into (time,
interrupt checks, console lines, clock and memory-timing changes)."""
from __future__ import annotations

import bisect
import ctypes
import os
import re
import warnings

from unicorn import (UC_ARCH_ARM, UC_MODE_THUMB, UC_PROT_ALL, UC_PROT_EXEC, UC_PROT_READ, Uc)
from capstone import arm_const as _cs
from unicorn import arm_const as arm

from . import boards, repl
from .regs import Regs
from .cycles.native import NativeCounter
from .cycles.timing import BlockTimer, Timing
from .native_tick import SCS_HI, SCS_LO
from .errors import EmulationError, FirmwareFault
from .peripherals.base import Peripheral
from .peripherals.dwt import Dwt
from .peripherals.flash import FlashCtrl
from .peripherals.gpio import Gpio
from .peripherals.nvic import Nvic
from .peripherals.ppb import PpbStub
from .peripherals.pwr import Pwr
from .peripherals.rcc import Rcc
from .peripherals.scb import CCR_DC, CCR_IC, Scb
from .peripherals.systick import SysTick
from .peripherals.usart import UsartF4, UsartF7

# capstone register ids -> unicorn ids (for sampling load base registers)
_CS_PC = _cs.ARM_REG_PC
_CS_TO_UC = {getattr(_cs, f"ARM_REG_R{i}"): getattr(arm, f"UC_ARM_REG_R{i}") for i in range(13)}
_CS_TO_UC.update({_cs.ARM_REG_SP: arm.UC_ARM_REG_SP, _cs.ARM_REG_LR: arm.UC_ARM_REG_LR})
_EXIT = re.compile(r"^BOARDTWIN-EXIT (-?\d+)\s*$")
_PAGE = 0x1000
# MMIO windows: APB/AHB1, AHB2, and the private peripheral bus.
_WINDOWS = [(0x4000_0000, 0x10_0000), (0x5000_0000, 0x10_0000), (0xE000_0000, 0x10_0000)]
_CORES = {"cortex-m4f": "cortex-m4", "cortex-m4": "cortex-m4", "cortex-m7": "cortex-m7",
          "cortex-m7f": "cortex-m7"}


def _model_for(entry, family):
    """Our model class for a .repl peripheral (by Renode type, else by name)."""
    t, n = entry.type or "", entry.name.lower()
    if t.startswith("UART."):
        return UsartF7 if ("F7" in t or family == "f7") else UsartF4
    if t.startswith("GPIOPort."):
        return Gpio
    if n == "rcc":
        return Rcc
    if n == "pwr":
        return Pwr
    if n in ("flash_ctrl", "flashctrl", "flash_controller"):
        return FlashCtrl
    if n in ("syscfg", "exti"):
        return Peripheral  # registers stored
    return None


class _BlockInfos(dict):
    """(addr, size) -> BlockInfo. Blocks decoded natively get their Python BlockInfo
    (instruction list, per-instruction costs) only when asked for: precise CYCCNT
    restarts, FPU-access faults and profiles."""

    def __init__(self, machine):
        super().__init__()
        self._m = machine

    def get(self, key, default=None):
        info = dict.get(self, key)
        if info is None:
            addr, size = key
            try:
                code = bytes(self._m.uc.mem_read(addr, size))
            except Exception:
                return default
            info = self._m.timer.block(addr, code)
            self[key] = info
        return info

    def __getitem__(self, key):
        info = self.get(key)
        if info is None:
            raise KeyError(key)
        return info


class Machine:
    def __init__(self, board: str, *, strict=True, on_line=None, data_timing=None):
        self.spec = boards.get(board)
        self.board = board
        self.strict = strict
        self.on_line = on_line
        pdir = boards.platforms_dir()
        self.platform = repl.parse(pdir / self.spec.repl)
        self.mem = boards.memory_params(self.spec)
        core = _CORES.get(self.platform.cpu_type)
        if core is None:
            raise EmulationError(f"{self.platform.path}: unsupported cpuType {self.platform.cpu_type!r}")
        self.core = core
        self.timing = Timing.load(pdir / "timing" / f"{core}.toml")
        self.timer = BlockTimer(self.timing)
        self.uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
        # Must come first: MCLASS mode would silently give a Cortex-M33.
        self.uc.ctl_set_cpu_model(getattr(arm, self.timing.unicorn_model))
        self.regs = Regs(self.uc)
        self.lines: list[str] = []
        self.uart_wait_cycles = 0  # cycles a firmware spent waiting for its UART (time skipped)
        self.exit_code = None
        self.error: EmulationError | None = None
        self.unknown_access = None
        self.pending_stop = False
        self.block_info = _BlockInfos(self)
        self._insn_costs = {}
        self._precise = None      # (pc, cycles) while re-running a load that reads the time
        self._warned = set()
        self.trace = None         # callable(str) when tracing
        self.native_tick = None   # native_tick.NativeTick, set by the run loop
        self._last_hz = None
        self._buffers = []
        self._map_memories()
        self._build_peripherals()
        self._map_mmio()
        self.counter = NativeCounter(self.uc, self._decode_block)
        fl = self.mem["flash"]
        self.counter.set_icache(line_bytes=fl["line_bytes"], sets=fl["cache_sets"], ways=fl["cache_ways"])
        self.counter.set_dcache(line_bytes=fl["dcache_line_bytes"], sets=fl["dcache_sets"], ways=fl["dcache_ways"])
        self.data_timing = fl.get("data_timing", "sampled") if data_timing is None else data_timing
        if self.data_timing == "exact":
            self.counter.hook_data_reads(self.flash_ranges)
        if os.environ.get("BOARDTWIN_NATIVE_DECODE", "1") != "0":
            # New blocks are decoded by the native hook; Python's _decode_block is the
            # reference (tests/emulate/test_native_decode.py) and the fallback.
            self.counter.enable_native_decode(self.timing, _CS_TO_UC, self.flash_ranges,
                                              data_sampled=self.data_timing == "sampled",
                                              fetch_line_bytes=fl["line_bytes"])
        self.memory_timing_changed()
        self.fpu_access_changed()

    # -- construction ---------------------------------------------------------
    def _map_memories(self):
        self.regions = []  # (start, end, name)
        self._host = []    # (start, size, ctypes buffer) for loading
        by_name = {}
        for m in self.platform.memories():
            size = m.size or m.attrs.get("size")
            if m.address is None or not size:
                raise EmulationError(f"{self.platform.path}:{m.line}: memory {m.name} needs an address and size")
            buf = ctypes.create_string_buffer(size)
            self._buffers.append(buf)
            perms = UC_PROT_READ | UC_PROT_EXEC if m.name == "flash" else UC_PROT_ALL
            self.uc.mem_map_ptr(m.address, size, perms, ctypes.addressof(buf))
            by_name[m.name] = (m.address, size, buf, perms)
            self.regions.append((m.address, m.address + size, m.name))
            self._host.append((m.address, size, buf))
        for addr, target in self.mem.get("aliases", {}).items():
            a = int(addr, 0) if isinstance(addr, str) else addr
            if target not in by_name:
                raise EmulationError(f"alias {addr} -> unknown memory {target!r}")
            _, size, buf, perms = by_name[target]
            self.uc.mem_map_ptr(a, size, perms, ctypes.addressof(buf))
            self.regions.append((a, a + size, target))
        self.flash_ranges = [(s, e) for s, e, n in self.regions if n == "flash"]

    def _build_peripherals(self):
        fam = self.spec.family
        self.bus = []  # (start, end, peripheral)
        self.nvic = Nvic(self, n_irqs=self.spec.n_irqs)
        self.scb = Scb(self, self.core)
        self.systick = SysTick(self)
        self.dwt = Dwt(self)
        self.rcc = self.pwr = self.flash_ctrl = None
        self.usarts = {}
        extra = {"hse_hz": self.mem.get("hse_hz"), "hsi_hz": self.mem.get("hsi_hz"),
                 "family": "f7" if fam == "f7" else "f4"}
        for e in self.platform.peripherals():
            if e.address is not None and e.address >= 0xE000_0000:
                continue  # core peripherals are built in
            cls = _model_for(e, fam)
            if cls is None:
                continue  # described but not modelled: accesses are reported as unknown
            irqs = [n for _src, tgt, n in e.irqs if tgt == "nvic"]
            attrs = dict(e.attrs)
            attrs.update({k: v for k, v in extra.items() if v is not None})
            p = cls(self, e.name, e.address, e.size, irqs, attrs)
            self.bus.append((p.base, p.base + p.size, p))
            if cls is Rcc:
                self.rcc = p
            elif cls is Pwr:
                self.pwr = p
            elif cls is FlashCtrl:
                self.flash_ctrl = p
            elif cls in (UsartF4, UsartF7):
                self.usarts[e.name] = p
        scs = 0xE000_E000
        self.bus += [(scs + 0x010, scs + 0x020, self.systick), (scs + 0x100, scs + 0x600, self.nvic),
                     (scs + 0xF00, scs + 0xF04, self.nvic), (scs, scs + 0x010, self.scb),
                     (scs + 0xD00, scs + 0xF00, self.scb), (scs + 0xF04, scs + 0x1000, self.scb),
                     (0xE000_1000, 0xE000_2000, self.dwt)]
        stub = PpbStub(self, "ppb", 0xE000_0000, 0x10_0000)
        for a, s in ((0xE000_0000, 0x1000), (0xE000_2000, 0xC000), (0xE000_F000, 0xF1000)):
            self.bus.append((a, a + s, stub))
        self.bus.sort(key=lambda x: x[0])
        self._bus_starts = [b[0] for b in self.bus]
        console = self.mem.get("console")
        if console not in self.usarts:
            raise EmulationError(f"console {console!r} is not a USART in {self.platform.path}")
        self.console = self.usarts[console]
        if self.rcc is None or self.flash_ctrl is None:
            raise EmulationError(f"{self.platform.path}: rcc and flash_ctrl peripherals are required")

    def _map_mmio(self):
        mapped = set()
        for s, e, _ in self.regions:
            mapped.update(range(s // _PAGE, (e + _PAGE - 1) // _PAGE))
        for base, size in _WINDOWS:
            page = base // _PAGE
            end = (base + size) // _PAGE
            while page < end:
                if page in mapped:
                    page += 1
                    continue
                run = page
                while run < end and run not in mapped:
                    run += 1
                self.uc.mmio_map(page * _PAGE, (run - page) * _PAGE, self._mmio_read, page * _PAGE,
                                 self._mmio_write, page * _PAGE)
                page = run

    # -- bus --------------------------------------------------------------------
    def _find(self, addr):
        i = bisect.bisect_right(self._bus_starts, addr) - 1
        if i >= 0:
            s, e, p = self.bus[i]
            if s <= addr < e:
                return p
        return None

    def _mmio_read(self, uc, off, size, base):
        addr = base + off
        nt = self.native_tick
        if nt is not None and nt.t.dirty:
            nt.sync()
        p = self._find(addr)
        if p is None:
            self._unknown("read", addr, size)
            return 0
        try:
            return p.read(addr - p.base, size)
        except EmulationError as exc:
            self._fail(exc)
            return 0

    def _mmio_write(self, uc, off, size, value, base):
        addr = base + off
        nt = self.native_tick
        if nt is not None:
            if nt.t.dirty:
                nt.sync()
            if SCS_LO <= addr < SCS_HI:
                nt.disarm()  # priorities, VTOR, CPACR, SysTick: the run loop re-reads them
        p = self._find(addr)
        if p is None:
            self._unknown("write", addr, size)
            return
        try:
            p.write(addr - p.base, size, value)
        except EmulationError as exc:
            self._fail(exc)

    def _unknown(self, access, addr, size):
        if self.strict:
            # Stop now: the PC then names the accessing instruction exactly.
            if self.unknown_access is None:
                self.unknown_access = (access, addr, size)
            self.uc.emu_stop()
        elif addr not in self._warned:
            self._warned.add(addr)
            pc = self.uc.reg_read(arm.UC_ARM_REG_PC)
            warnings.warn(f"{access} of {size} bytes at 0x{addr:08x} near pc=0x{pc:08x}: "
                          f"no peripheral modelled there (ignored)", stacklevel=1)

    def _fail(self, exc):
        if self.error is None:
            self.error = exc
        self.uc.emu_stop()

    # -- services for peripherals -------------------------------------------------
    def now(self) -> int:
        return self.counter.cycles

    def precise_now(self):
        """Cycle count just before the instruction currently accessing a peripheral.

        First call: stop the engine before that instruction and return None (the
        access is then discarded); the run loop rolls the counter back and re-runs
        the instruction, whose access gets the exact value."""
        if self._precise is not None:
            pc, cyc = self._precise
            # the re-run starts a block at the reading instruction (MMIO callbacks see
            # the block start as PC); anything else (an ISR in between) asks again
            if (self.pc() & ~1) == pc:
                self._precise = None
                return cyc
        self._want_precise = True
        self.uc.emu_stop()
        return None

    def request_check(self):
        self.counter.request_stop()

    def timers_changed(self):
        self.counter.request_stop()

    def trace_enabled(self) -> bool:
        return bool(self.scb.regs.get(0xDFC, 0) & (1 << 24))

    def uart_line(self, usart, line: str):
        if usart is not self.console:
            return
        self.lines.append(line)
        if self.on_line is not None:
            self.on_line(line)
        m = _EXIT.match(line)
        if m and self.exit_code is None:
            self.exit_code = int(m.group(1))
            self.counter.request_stop()

    def clock_changed(self):
        if self.trace is not None:
            hz = self.core_hz()
            if hz != self._last_hz:
                self._last_hz = hz
                self.trace(f"core clock {hz / 1e6:.3f} MHz")

    def core_hz(self) -> int:
        return self.rcc.hclk_hz()

    def fpu_access_changed(self):
        self.counter.set_fpu_enabled(self.scb.fpu_enabled())

    def memory_timing_changed(self, reset_cache=False, reset_dcache=False):
        """Re-read flash wait states, prefetch and cache enables after FLASH_ACR / SCB_CCR
        writes. Wait states come from FLASH_ACR.LATENCY as the firmware programs them."""
        f, fl, st = self.flash_ctrl, self.mem["flash"], self.counter.st
        m7 = self.core == "cortex-m7"
        extra = fl.get("axi_latency", 0) if m7 else 0
        ws = f.latency + extra if (f.latency or m7) else 0
        ic_on = bool(self.scb.ccr & CCR_IC) if m7 else f.art
        dc_on = bool(self.scb.ccr & CCR_DC) if m7 else f.dcache
        changed = (st.ws != ws or bool(st.ic.on) != ic_on or getattr(self, "_prefetch", None) != f.prefetch)
        if bool(st.dc.on) != dc_on or reset_dcache:
            self.counter.invalidate_dcache()
        if reset_cache or changed:
            self.counter.invalidate_icache()
        if self.trace is not None and (st.ws, st.ic.on, st.dc.on) != (ws, int(ic_on), int(dc_on)):
            self.trace(f"flash timing: {ws} stall cycles per miss, I-cache {'on' if ic_on else 'off'}, "
                       f"D-cache {'on' if dc_on else 'off'}, prefetch {'on' if f.prefetch else 'off'}")
        st.ws, st.dws = ws, ws
        if st.ic.on != int(ic_on):
            st.ic_version += 1  # the native hook's all-lines-hit shortcut must re-check
        st.ic.on, st.dc.on = int(ic_on), int(dc_on)
        self._prefetch = f.prefetch
        self.counter.set_prefetch(f.prefetch)
        if changed:
            # per-block sequential stalls depend on wait states / prefetch
            self.counter.flush()
            self.block_info.clear()
            self._insn_costs.clear()
            self.request_check()

    def system_reset_requested(self):
        self._fail(FirmwareFault("system reset requested (AIRCR.SYSRESETREQ)", self.pc(), None, self.now()))

    # -- cycle model glue --------------------------------------------------------
    def insn_costs(self, addr, size) -> list[tuple[int, int]]:
        """(address, static cycles) of each instruction of the block (precise restarts).
        From the Python BlockInfo when there is one, else from the native decoder: a few
        microseconds instead of a Python decode (which gives the same costs,
        tests/emulate/test_native_decode.py)."""
        key = (addr, size)
        costs = self._insn_costs.get(key)
        if costs is None:
            out = None
            if dict.get(self.block_info, key) is None and self.counter._dec is not None:
                out = self.counter.decode(addr, bytes(self.uc.mem_read(addr, size)))
            if out is not None:
                costs, a = [], addr
                for k in range(out.ninsn):
                    costs.append((a, out.icost[k]))
                    a += out.isize[k]
            else:
                info = self.block_info.get(key)
                costs = [] if info is None else [(i.addr, i.cost) for i in info.insns]
            self._insn_costs[key] = costs
        return costs

    def in_flash(self, addr) -> bool:
        return any(s <= addr < e for s, e in self.flash_ranges)

    def _decode_block(self, addr, size):
        code = bytes(self.uc.mem_read(addr, size))
        info = self.timer.block(addr, code)
        if self.data_timing == "sampled":
            info.data_pen = self._sampled_data_penalty(info)
        self.block_info[(addr, size)] = info
        fetch = None
        if self.in_flash(addr):
            fetch = self._fetch_stalls(addr, size, info)
        return info, fetch

    def _sampled_data_penalty(self, info) -> int:
        """Expected flash data-read stall of one execution of the block, in 1/256 cycles.

        A load's region is sampled once, when the block is first decoded (its base
        register holds the block-entry value then; PC-relative loads are static), and
        assumed stable: TinyML kernels read weights from flash and activations from RAM
        with different instructions. With the data cache on, reads are assumed to stream
        (one miss per cache line); without it every read waits for the flash."""
        st = self.counter.st
        dws = st.dws
        if not dws:
            return 0
        line = 1 << st.dc.line_shift if st.dc.on else 0
        written = set()
        pen = 0
        for ins in info.insns:
            if ins.mem_bytes and ins.mem_base:
                if ins.mem_base == _CS_PC:
                    a = ((ins.addr + 4) & ~3) + ins.mem_disp
                elif ins.mem_base in written:
                    a = None
                else:
                    reg = _CS_TO_UC.get(ins.mem_base)
                    a = self.regs.read(reg) + ins.mem_disp if reg is not None else None
                if a is not None and self.in_flash(a & 0xFFFFFFFF):
                    pen += (256 * dws * min(ins.mem_bytes, line) // line) if line else 256 * dws
            written |= ins.writes
        return pen

    def _fetch_stalls(self, addr, size, info):
        """Stall per fetch line of a flash block when that line misses the cache.

        Sequential lines: with prefetch the next line is read while the previous one
        executes, so only the part of the access time not covered stalls."""
        L = self.mem["flash"]["line_bytes"]
        ws = self.counter.st.ws
        first = addr & ~(L - 1)
        last = (addr + size - 1) & ~(L - 1)
        out = []
        line = first
        while line <= last:
            if self._prefetch:
                prev = sum(i.cost for i in info.insns if line - L <= i.addr < line)
                if line == first:
                    prev = L // 2  # unknown predecessor: about one cycle per halfword
                out.append(max(0, ws + 1 - prev) if ws else 0)
            else:
                out.append(ws)
            line += L
        return out

    def pc(self) -> int:
        return self.regs.read(arm.UC_ARM_REG_PC)

    def load(self, image):
        for addr, data in image.segments:
            for start, size, buf in self._host:
                if start <= addr and addr + len(data) <= start + size:
                    ctypes.memmove(ctypes.addressof(buf) + addr - start, data, len(data))
                    break
            else:
                raise EmulationError(f"{image.path}: segment at 0x{addr:08x} ({len(data)} bytes) "
                                     f"lies outside the memories of {self.board}") from None
