"""SysTick taken by the native hook (native_tick.py, hook.c bt_run / bt_intr_hook) must be
indistinguishable from Python taking it: same cycles, instructions, UART lines and
statistics, with and without the native path, on firmware that leaves the common case
in every way it can (tests/emulate/fw/ticknest.c), and the native path must really run."""
import pytest

from harness.emulate.run import Runner

CASES = [("ticknest", ()), ("fpctx", ("ENABLE_FPU",)), ("hello", ()), ("itblock", ()), ("halstyle", ()),
         ("irq", ()), ("perf", ("ROUNDS=5",)), ("icache", ())]


def _run(elf, board, monkeypatch, native):
    monkeypatch.setenv("BOARDTWIN_NATIVE_TICK", "1" if native else "0")
    r = Runner(elf, board, max_cycles=200_000_000, uart_input=b"xyz\n")
    res = r.run()
    return r, (res.cycles, res.instructions, res.lines, res.exit_code, res.stop_reason, res.stats)


@pytest.mark.parametrize("board", ["f413", "f769"])
@pytest.mark.parametrize("app,defines", CASES)
def test_native_tick_changes_nothing(build_fw, monkeypatch, board, app, defines):
    elf = build_fw(app, board, *defines)
    r_py, py = _run(elf, board, monkeypatch, False)
    r_c, c = _run(elf, board, monkeypatch, True)
    assert r_py.tick.t.native_entries == 0
    assert c == py
    if app in ("ticknest", "fpctx", "perf", "hello"):
        assert r_c.tick.t.native_entries > 0 and r_c.tick.t.native_returns > 0


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_ticknest_checks_pass(build_fw, monkeypatch, board):
    """The firmware's own checks: each hand-over case behaves as on hardware."""
    r, (_, _, lines, code, *_rest) = _run(build_fw("ticknest", board), board, monkeypatch, True)
    assert code == 0
    for key in ("plain", "countflag_seen", "mmio_in_handler", "pendsv", "svc_nested", "long_handler",
                "basepri_masked", "primask_masked", "reprioritised"):
        assert f"{key}=1" in lines, (key, lines)
    # ticks were taken both ways: natively and, around masks and nesting, by Python
    assert 0 < r.tick.t.native_entries < int(next(x for x in lines if x.startswith("ticks=")).split("=")[1])
