"""Robot Framework keywords for boardtwin.

One suite runs unchanged on the emulated board, a serial-attached board or Renode: the
target comes from ${TARGET} (emulated | serial | renode), the board from ${BOARD}.
Keyword names follow Renode's own where Renode has them (Execute Command, Create Terminal
Tester, Start Emulation, Wait For Line On Uart, Reset Emulation) so suites written for
Renode port over; the rest are boardtwin's (Boot Firmware, Run Benchmark, ...).
Every run goes through harness.run.evaluate and into the same results store as
`boardtwin matrix`.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn

from harness import parse
from harness.run import RunFailed, evaluate
from harness.store import Store


@library(scope="SUITE", auto_keywords=False)
class BoardtwinLibrary:
    def __init__(self, db: str = "results/boardtwin.db"):
        self.db = db
        self.record: dict | None = None
        self.log: parse.RunLog | None = None
        self._elf: Path | None = None
        self._uart_cursor = 0

    # ---- selection ---------------------------------------------------------
    def _var(self, name: str, default: str) -> str:
        return str(BuiltIn().get_variable_value("${%s}" % name, default))

    @property
    def target(self) -> str:
        return self._var("TARGET", "emulated")

    @property
    def board(self) -> str:
        return self._var("BOARD", "f413")

    def _target_options(self) -> dict:
        if self.target == "serial":
            port = self._var("PORT", "")
            return dict(port=port or None, flasher=self._var("FLASHER", "pyocd"),
                        probe=self._var("PROBE", "") or None)
        return {}

    # ---- boardtwin keywords -------------------------------------------------
    @keyword("Boot Firmware")
    def boot_firmware(self, model: str = "hello_world", kernels: str = "ref",
                      board: str | None = None, iterations: int | None = None) -> dict:
        """Build `model` for the board, run it on ${TARGET}, parse and store the result."""
        board = board or self.board
        store = Store(Path(self.db))
        try:
            rec = evaluate(board, model, kernels=kernels, target=self.target,
                           iterations=int(iterations) if iterations else None,
                           target_options=self._target_options())
        except RunFailed as exc:
            store.add(exc.record, status="failed", error=str(exc))
            raise AssertionError(str(exc)) from None
        store.add(rec)
        self.record = rec
        self.log = parse.parse_text(rec["log"])
        self._uart_cursor = 0
        logger.info(f"{model} on {board}/{kernels} via {self.target}: Invoke "
                    f"{rec['invoke_cycles_avg']} cycles avg, arena {rec['arena_total']} B")
        return rec

    @keyword("Run Benchmark")
    def run_benchmark(self, model: str = "hello_world", kernels: str = "ref",
                      iterations: int | None = None) -> dict:
        """Boot Firmware and return the record (phase cycles, arena, sizes) for assertions."""
        return self.boot_firmware(model, kernels, iterations=iterations)

    def _need(self) -> dict:
        if self.record is None:
            raise AssertionError("no firmware run yet: use Boot Firmware first")
        return self.record

    @keyword("Invoke Ticks Should Be Below")
    def invoke_ticks_should_be_below(self, cycles: int) -> None:
        got = self._need()["invoke_cycles_avg"]
        if got is None or got >= int(cycles):
            raise AssertionError(f"Invoke took {got} cycles on average, budget is < {int(cycles)}")

    @keyword("Arena Should Be At Most")
    def arena_should_be_at_most(self, size: int) -> None:
        got = self._need()["arena_total"]
        if got is None or got > int(size):
            raise AssertionError(f"tensor arena is {got} bytes, budget is {int(size)}")

    @keyword("Prediction Should Be")
    def prediction_should_be(self, expected: str) -> None:
        """The app's last Respond output line contains `expected` (e.g. 'Heard yes')."""
        self._need()
        lines = [l for l in self.log.other if expected in l]
        if not lines:
            raise AssertionError(f"no Respond output contains {expected!r}; last lines: "
                                 f"{self.log.other[-3:]}")

    @keyword("Predictions Should Match Reference")
    def predictions_should_match_reference(self) -> None:
        """Every PRED line equals the tflite-micro wheel's output on the same input."""
        rec = self._need()
        if not rec["preds_checked"] or rec["preds_matching"] != rec["preds_checked"]:
            raise AssertionError(f"{rec['preds_matching']}/{rec['preds_checked']} predictions "
                                 f"bit-exact (mismatching iterations: {rec['mismatch_iterations']})")

    @keyword("Invoke Speed-up Should Be At Least")
    def invoke_speedup_should_be_at_least(self, reference: dict, optimised: dict,
                                          percent: float) -> float:
        """100 x (1 - optimised/reference) of the average Invoke cycles of two records
        (e.g. CMSIS_NN=OFF vs ON) is at least `percent`; returns the speed-up."""
        ref, opt = reference["invoke_cycles_avg"], optimised["invoke_cycles_avg"]
        if not ref or opt is None:
            raise AssertionError(f"missing Invoke cycles (reference {ref}, optimised {opt})")
        got = 100.0 * (1.0 - opt / ref)
        logger.info(f"Invoke {ref} -> {opt} cycles: {got:.1f} % less")
        if got < float(percent):
            raise AssertionError(f"Invoke speed-up {got:.1f} % ({ref} -> {opt} cycles), "
                                 f"expected at least {float(percent):.1f} %")
        return got

    @keyword("Predictions Should Be Equal")
    def predictions_should_be_equal(self, first: dict, second: dict) -> None:
        """Two runs (e.g. reference vs DSP kernels on the same inputs) printed the same
        predictions, line for line."""
        a = [p["outputs"] for p in parse.parse_text(first["log"]).preds]
        b = [p["outputs"] for p in parse.parse_text(second["log"]).preds]
        if not a or a != b:
            diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            raise AssertionError(f"predictions differ ({len(a)} vs {len(b)} lines; first "
                                 f"difference at iteration {diff})")

    @keyword("Record Field Should Be")
    def record_field_should_be(self, field: str, expected) -> None:
        got = self._need().get(field)
        if str(got) != str(expected):
            raise AssertionError(f"{field} is {got!r}, expected {expected!r}")

    @keyword("Get Record Field")
    def get_record_field(self, field: str):
        return self._need().get(field)

    # ---- Renode-compatible keywords --------------------------------------
    @keyword("Execute Command")
    def execute_command(self, command: str) -> str:
        """The Renode monitor commands a boot script needs: mach create, LoadPlatformDescription,
        sysbus LoadELF. Anything else fails clearly rather than being ignored."""
        words = shlex.split(command)
        if words[:2] == ["mach", "create"]:
            return ""
        if len(words) >= 2 and words[:2] == ["machine", "LoadPlatformDescription"]:
            name = Path(words[2].lstrip("@")).name
            from harness.platforms import BOARD_FILES
            boards = {v: k for k, v in BOARD_FILES.items()}
            if name not in boards:
                raise AssertionError(f"{name}: not a platform boardtwin knows ({', '.join(boards)})")
            BuiltIn().set_suite_variable("${BOARD}", boards[name])
            return ""
        if len(words) >= 3 and words[:2] == ["sysbus", "LoadELF"]:
            self._elf = Path(words[2].lstrip("@"))
            return ""
        raise AssertionError(f"Execute Command {command!r}: not supported by the {self.target} target")

    @keyword("Create Terminal Tester")
    def create_terminal_tester(self, uart: str = "", timeout: float = 10) -> None:
        self._uart_cursor = 0

    @keyword("Start Emulation")
    def start_emulation(self) -> None:
        """Run the ELF loaded with `sysbus LoadELF` on ${TARGET} and collect its UART."""
        if self._elf is None:
            raise AssertionError("no ELF loaded: Execute Command  sysbus LoadELF @path first")
        from harness.targets import get_target
        run = get_target(self.target, **self._target_options()).run(self._elf, self.board)
        self.log = parse.parse_lines(run.lines)
        self._lines = run.lines
        self._uart_cursor = 0

    @keyword("Reset Emulation")
    def reset_emulation(self) -> None:
        self.record = None
        self.log = None
        self._uart_cursor = 0

    @keyword("Wait For Line On Uart")
    def wait_for_line_on_uart(self, content: str, timeout: float = 10,
                              treatAsRegex: bool = False) -> str:  # noqa: N803 (Renode's name)
        """The next UART line (after the last match) containing `content`. The emulated run has
        already completed, so `timeout` only matters for live targets."""
        lines = getattr(self, "_lines", None) or (self.record or {}).get("log", "").splitlines()
        pat = re.compile(content) if treatAsRegex else None
        for i in range(self._uart_cursor, len(lines)):
            if (pat.search(lines[i]) if pat else content in lines[i]):
                self._uart_cursor = i + 1
                return lines[i]
        raise AssertionError(f"no UART line containing {content!r} after line {self._uart_cursor}")
