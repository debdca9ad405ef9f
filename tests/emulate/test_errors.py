"""Every way a run can fail ends in one clear EmulationError line."""
import os
import shutil
import subprocess

import pytest

from harness.emulate import (BadElf, CycleBudgetExceeded, EmulationError, FirmwareFault,
                             PeripheralAccessError, emulate)


def _one_line(exc):
    s = str(exc)
    assert "\n" not in s and s
    return s


def test_hung_firmware_names_pc_and_symbol(build_fw):
    with pytest.raises(CycleBudgetExceeded) as ei:
        emulate(build_fw("hang", "f413"), "f413", max_cycles=2_000_000)
    e = ei.value
    assert e.symbol.startswith("spin_forever") and e.pc is not None
    assert e.lines == ["about to hang"]
    msg = _one_line(e)
    assert "spin_forever" in msg and f"0x{e.pc:08x}" in msg and "2000000" in msg


def test_corrupt_elf(tmp_path, build_fw):
    junk = tmp_path / "junk.elf"
    junk.write_bytes(b"\x7fELF" + os.urandom(200))
    with pytest.raises(BadElf) as ei:
        emulate(junk, "f413", max_cycles=1000)
    assert str(junk) in _one_line(ei.value)
    good = build_fw("hello", "f413").read_bytes()
    cut = tmp_path / "cut.elf"
    cut.write_bytes(good[: len(good) // 3])
    with pytest.raises(BadElf):
        emulate(cut, "f413", max_cycles=1000)
    with pytest.raises(BadElf):
        emulate(tmp_path / "missing.elf", "f413", max_cycles=1000)


def test_non_arm_elf(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.fail("a host C compiler is needed: sudo apt-get install gcc")
    src = tmp_path / "x.c"
    src.write_text("int main(void){return 0;}\n")
    out = tmp_path / "x86.elf"
    subprocess.run([cc, "-c", str(src), "-o", str(out)], check=True)
    with pytest.raises(BadElf, match="not a 32-bit little-endian ARM ELF"):
        emulate(out, "f413", max_cycles=1000)


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_unmapped_read_is_a_busfault_reported_with_pc(build_fw, board):
    with pytest.raises(FirmwareFault) as ei:
        emulate(build_fw("fault", board), board, max_cycles=50_000_000)
    e = ei.value
    assert e.symbol.startswith("read_bad")
    assert e.bfar == 0x30000000 and e.cfsr & (1 << 9) and e.cfsr & (1 << 15)
    assert e.hfsr & (1 << 30)  # escalated to HardFault
    msg = _one_line(e)
    assert "BusFault" in msg and "0x30000000" in msg and "read_bad" in msg


def test_fault_handler_that_reports_keeps_control(build_fw):
    r = emulate(build_fw("fault_report", "f413"), "f413", max_cycles=10_000_000)
    assert r.exit_code == 3
    assert r.lines[0] == "hardfault cfsr=0x00008200 hfsr=0x40000000 bfar=0x30000010"


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_fpu_without_cpacr_faults(build_fw, board):
    r = emulate(build_fw("fpu", board), board, max_cycles=10_000_000)
    assert r.exit_code == 4
    assert r.lines[0] == "hardfault cfsr=0x00080000"  # UsageFault NOCP, forced


def test_unknown_peripheral_strict_and_lenient(build_fw):
    elf = build_fw("periph", "f413")
    with pytest.raises(PeripheralAccessError) as ei:
        emulate(elf, "f413", max_cycles=1_000_000)
    msg = _one_line(ei.value)
    assert "0x40013000" in msg and "main" in msg and "write" in msg
    with pytest.warns(UserWarning, match="0x40013000"):
        r = emulate(elf, "f413", max_cycles=1_000_000, strict=False)
    assert r.lines == ["poking spi1", "after spi1", "BOARDTWIN-EXIT 0"]


def test_unknown_board():
    with pytest.raises(EmulationError, match="unknown board"):
        emulate("x.elf", "f999", max_cycles=1)
