"""Profiler output and the `python -m harness.emulate` entry point."""
import subprocess
import sys

from harness.emulate import emulate
from harness.emulate.__main__ import main_emulate


def test_profile_attributes_cycles_to_functions(build_fw):
    r = emulate(build_fw("perf", "f413", "ROUNDS=20"), "f413", max_cycles=10**9, profile=True)
    p = r.profile
    top = p["functions"][0]
    assert top["name"] == "dot" and top["share"] > 0.9
    assert top["instructions"] > 20 * 4000 * 5
    assert p["instruction_mix"]["load"] >= 2 * 20 * 4000
    assert 0 < p["stack_peak_bytes"] < 1024
    assert p["fetch"]["cache_hits"] > 0


def test_profile_counts_sleep(build_fw):
    r = emulate(build_fw("hello", "f413"), "f413", max_cycles=50_000_000, profile=True, uart_input=b"\n")
    names = {f["name"]: f["cycles"] for f in r.profile["functions"]}
    assert names["(sleeping in WFI)"] > 900_000  # most of the 10 ms delay


def test_main_emulate_prints_uart_and_returns_exit_code(build_fw, capsys):
    rc = main_emulate([str(build_fw("fault_report", "f413")), "--board", "f413", "--profile"])
    out, err = capsys.readouterr()
    assert rc == 3
    assert out.splitlines()[-1] == "BOARDTWIN-EXIT 3"
    assert "cycles" in err and "stack peak" in err


def test_main_emulate_error_is_one_line(build_fw):
    p = subprocess.run([sys.executable, "-m", "harness.emulate", str(build_fw("hang", "f413")), "--board",
                        "f413", "--max-cycles", "100000"], capture_output=True, text=True)
    assert p.returncode == 5
    assert p.stdout == "about to hang\n"
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and "spin_forever" in err[0] and err[0].startswith("boardtwin: error: cycle budget")


def test_trace_logs_exceptions_and_clock_changes(build_fw, capsys):
    emulate(build_fw("irq", "f413"), "f413", max_cycles=1_000_000, uart_input=b"xyz", trace=True)
    err = capsys.readouterr().err
    assert "enter exception 11 (SVC_Handler)" in err
    assert "enter exception 87 (USART_IRQHandler)" in err and "tail-chain" in err
    emulate(build_fw("hello", "f769"), "f769", max_cycles=50_000_000, uart_input=b"\n", trace=True)
    err = capsys.readouterr().err
    assert "core clock 216.000 MHz" in err
    assert "flash timing: 9 stall cycles per miss" in err  # 7 wait states + AXI latency
