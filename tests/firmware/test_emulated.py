"""The hello_world image boots in boardtwin's emulator on both boards and prints the
whole console protocol of docs/architecture.md, with the clocks the BSP programmed."""

from __future__ import annotations

import pytest

from fwbuild import BOARDS, CORE_HZ, KERNELS
from harness.parse import parse_lines

ITERATIONS = 50          # firmware/CMakeLists.txt default
REPORT_EVERY = 10        # firmware/apps/CMakeLists.txt default
MAX_CYCLES = 2_000_000_000


def _emulate(elf, board):
    from harness.emulate import emulate  # the emulator is its own package; import late
    return emulate(elf, board, max_cycles=MAX_CYCLES)


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("board", BOARDS)
def test_hello_world_runs_the_protocol(firmware_build, board, kernels):
    b = firmware_build(board, "hello_world", kernels)
    res = _emulate(b.elf, board)
    text = "\n".join(res.lines)
    assert res.exit_code == 0, text[-3000:]
    assert res.core_hz == CORE_HZ[board]

    log = parse_lines(res.lines)
    assert log.errors == []
    h = log.header
    assert (h["app"], h["board"], h["kernels"]) == ("hello_world", board, kernels)
    assert h["core_hz"] == CORE_HZ[board]
    assert h["model_bytes"] == 2704 and h["arena_bytes"] > 0

    assert {"total", "head", "tail"} <= set(log.arena)
    assert log.arena["total"] == log.arena["head"] + log.arena["tail"] > 0
    assert log.arena_kinds, "no per-kind RecordingMicroAllocator lines"

    assert [p["i"] for p in log.preds] == list(range(ITERATIONS))
    assert all(len(p["input"]) == 1 and len(p["outputs"]) == 1 for p in log.preds)
    xy = [ln for ln in log.other if ln.startswith("x_value: ")]
    assert len(xy) == ITERATIONS

    # A block per REPORT_EVERY iterations: 3 Ticks + 3 Cycles lines each.
    assert len(log.ticks) == 6 * (ITERATIONS // REPORT_EVERY)
    inv = log.phase("Invoke", "cycles")
    assert 0 < inv["min"] <= inv["avg"] <= inv["max"]
    for rec in log.ticks:
        assert rec["min"] <= rec["avg"] <= rec["max"] and rec["timestamp_ms"] is not None

    assert log.stack_peak is not None and 0 < log.stack_peak < 32 * 1024
    assert log.exit_code == 0
    assert res.lines[-1].strip() == "BOARDTWIN-EXIT 0"


@pytest.mark.parametrize("board", BOARDS)
def test_bad_model_reports_error_and_nonzero_exit(firmware_build, board, tmp_path):
    bogus = tmp_path / "bogus.tflite"
    bogus.write_bytes(b"\x18\x00\x00\x00NOPE" + bytes(range(256)) * 4)
    b = firmware_build(board, "model_runner", "ref", BT_MODEL=bogus, BT_ITERATIONS=2)
    res = _emulate(b.elf, board)
    log = parse_lines(res.lines)
    assert log.errors and log.errors[0].startswith("init failed"), res.lines
    assert log.exit_code == 2 and res.exit_code == 2


@pytest.mark.parametrize("board", BOARDS)
def test_hardfault_handler_reports_pc_and_fault_status(firmware_build, board):
    """fault_probe executes UDF in its second Populate: UsageFault escalates to HardFault."""
    import re
    from elftools.elf.elffile import ELFFile
    b = firmware_build(board, "fault_probe", "ref")
    res = _emulate(b.elf, board)
    m = re.search(r"ERROR: HardFault pc=0x([0-9a-f]{8}) CFSR=0x([0-9a-f]{8}) HFSR=0x([0-9a-f]{8})",
                  "\n".join(res.lines))
    assert m, res.lines[-5:]
    pc, cfsr, hfsr = (int(g, 16) for g in m.groups())
    with open(b.elf, "rb") as f:
        sym = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name("app_populate")[0]
    assert sym["st_value"] & ~1 <= pc < (sym["st_value"] & ~1) + sym["st_size"]
    assert cfsr & (1 << 16)          # UFSR.UNDEFINSTR
    assert hfsr & (1 << 30)          # HFSR.FORCED (escalated)
    assert res.exit_code == 3 and res.lines[-1].strip() == "BOARDTWIN-EXIT 3"
