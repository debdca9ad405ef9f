"""Whole-firmware runs: vector-table boot, clock handshakes, UART, SysTick, DWT, exit."""
import pytest

from harness.emulate import emulate

CORE_HZ = {"f413": 100_000_000, "f769": 216_000_000}


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_hello_boots_and_exits(build_fw, board):
    seen = []
    r = emulate(build_fw("hello", board), board, max_cycles=50_000_000, on_line=seen.append,
                uart_input=b"abc\n")
    assert r.stop_reason == "exit" and r.exit_code == 0
    assert r.lines == seen
    assert r.lines[0] == "hello from the emulator"
    assert f"core_hz={CORE_HZ[board]}" in r.lines
    assert r.core_hz == CORE_HZ[board]
    cpuid = {"f413": "cpuid=0x410fc241", "f769": "cpuid=0x411fc270"}[board]
    assert cpuid in r.lines
    assert "ms=10" in r.lines
    # 10 SysTick periods of core_hz/1000 cycles, measured with DWT CYCCNT
    cyc = int(next(x for x in r.lines if x.startswith("cycles="))[7:])
    assert abs(cyc - CORE_HZ[board] // 100) < CORE_HZ[board] // 100 // 100
    busy = int(next(x for x in r.lines if x.startswith("busy_ticks="))[11:])
    assert busy >= 1, "SysTick must interrupt running code, not only WFI"
    assert "got=abc" in r.lines
    assert r.lines[-1] == "BOARDTWIN-EXIT 0"
    assert r.cycles > CORE_HZ[board] // 100 and r.instructions > 10_000 and r.wall_s > 0


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_interrupts_svc_pendsv_masking_and_uart_rx(build_fw, board):
    r = emulate(build_fw("irq", board), board, max_cycles=10_000_000, uart_input=b"xyz")
    assert r.exit_code == 0
    assert r.lines[:5] == ["svc=1", "masked pendsv=0", "unmasked pendsv=1", "rx=xyz", "BOARDTWIN-EXIT 0"]


def test_idle_when_nothing_can_wake(build_fw):
    r = emulate(build_fw("idle", "f413"), "f413", max_cycles=10_000_000)
    assert r.stop_reason == "idle" and r.exit_code is None
    assert r.lines == ["going to sleep"]


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_deterministic_cycles(build_fw, board):
    elf = build_fw("hello", board)
    a = emulate(elf, board, max_cycles=50_000_000, uart_input=b"q\n")
    b = emulate(elf, board, max_cycles=50_000_000, uart_input=b"q\n")
    assert (a.cycles, a.instructions, a.lines) == (b.cycles, b.instructions, b.lines)


def test_fpu_enabled_computes(build_fw):
    for board in ("f413", "f769"):
        r = emulate(build_fw("fpu", board, "ENABLE_FPU"), board, max_cycles=1_000_000)
        assert r.lines[0] == "product x4=13" and r.exit_code == 0  # 1.5 * 2.25 * 4


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_fp_registers_survive_interrupts(build_fw, board):
    r = emulate(build_fw("fpctx", board, "ENABLE_FPU"), board, max_cycles=50_000_000)
    assert r.lines[:2] == ["ticks ok", "fp context preserved"] and r.exit_code == 0


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_hal_style_start_up(build_fw, board):
    r = emulate(build_fw("halstyle", board), board, max_cycles=100_000_000)
    assert r.exit_code == 0
    assert r.lines[0] == "aircr=0xfa050300"
    assert r.lines[1] == "shpr3=0xf0000000"
    assert r.lines[2] == "gpio=10"
    assert r.lines[3] == "ticks=6"  # HAL_Delay(5) waits 5 + 1 ticks
    ccr = int(r.lines[4][4:], 16)
    assert ccr & 0x200 and bool(ccr & (3 << 16)) == (board == "f769")  # STKALIGN; IC|DC on the M7
    if board == "f769":
        assert r.stats["cache_hits"] > r.stats["cache_misses"]



@pytest.mark.parametrize("board", ["f413", "f769"])
def test_interrupt_inside_it_block_resumes_with_its_condition(build_fw, board):
    """SysTick lands inside IT blocks (they straddle a page, where unicorn ends a block):
    the return restores the IT state from the stacked xPSR, so a false `bxne` stays
    skipped and a true `bxeq` still returns."""
    r = emulate(build_fw("itblock", board), board, max_cycles=50_000_000)
    assert r.lines == ["taken=80000", "skipped=0", "ticks_ok=1", "BOARDTWIN-EXIT 0"], r.lines


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_exception_entry_clears_it_state(build_fw, board):
    """Interrupted before the last instruction of an IT block whose condition is false
    (the state person_detection hit on the F413: stacked xPSR 0x01000800, flags clear):
    the handler runs with no IT state, the stacked xPSR keeps the IT bits. Unicorn keeps
    its IT state across a PC write: without the clear, the handler's first `ldr` was
    skipped and its store went to 0x0 (a spurious BusFault)."""
    import struct
    from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_SP, UC_ARM_REG_XPSR
    from harness.emulate.run import Runner
    r = Runner(build_fw("itblock", board), board, max_cycles=10_000_000)
    uc = r.m.uc
    pc = r.image.address_of("it_skipped") + 10       # its `bxne lr`
    uc.reg_write(UC_ARM_REG_PC, pc | 1)
    uc.reg_write(UC_ARM_REG_XPSR, 0x01000800)  # EQ, one instruction left; Z clear
    r.exc.take(15, pc)  # SysTick
    assert uc.reg_read(UC_ARM_REG_XPSR) & 0x0600FC00 == 0
    frame = struct.unpack("<8I", uc.mem_read(uc.reg_read(UC_ARM_REG_SP), 32))
    assert frame[7] & 0x0600FC00 == 0x800 and frame[6] == pc
