"""`boardtwin bench emulator`: emulator throughput on a fixed inference workload.

Workload: the mnist example (our CNN, 10 images) on each board, full cycle model. The same
ELF is then run again by the same machine with the native cycle hook removed: unicorn with
no per-block hook, still with the peripherals' MMIO callbacks the firmware needs to boot
(clock handshakes, UART). Its wall time gives `nohook_mips`, the ceiling the cycle model is
measured against.

Both figures time the same thing: `Runner.run()` (reset to exit), not building the
machine (ELF loading, .repl parsing), which is the same for both and done untimed.
Each is the best of `repeat` runs, alternating hooked and no-hook so that a change of
host load affects both. `modelled_mcycles_per_wall_s` counts the cycles of executed code
only: time the emulator skips (WFI sleep, waits for the UART to send) is left out, since
skipping it costs nothing.
"""

from __future__ import annotations

import time

from harness import build, examples, inputs

WORKLOAD = "mnist"


def _image(board: str, models_dir=None):
    ex, model = examples.resolve(WORKLOAD, models_dir)
    blob = inputs.prepare(ex.app, models_dir).blob
    return build.build_firmware(board, ex.app, model, input_blob=blob, iterations=ex.iterations)


def bench_emulator(boards=("f413", "f769"), models_dir=None, repeat: int = 5) -> list[dict]:
    from unicorn.unicorn_py3 import unicorn as _ucmod

    from harness.emulate.run import Runner
    rows = []
    for board in boards:
        elf = _image(board, models_dir).elf
        best = nohook = None
        for _ in range(repeat):  # best of N: the figure is the emulator's, not the host's load
            r = Runner(elf, board, max_cycles=10**11)
            t0 = time.perf_counter()
            res = r.run()
            wall = time.perf_counter() - t0
            if res.exit_code != 0:
                raise RuntimeError(f"{board}: the benchmark run did not finish ({res.stop_reason})")
            best = min(best or (wall, res), (wall, res), key=lambda x: x[0])
            r = Runner(elf, board, max_cycles=10**11)
            _ucmod.uclib.uc_hook_del(r.m.uc._uch, r.m.counter._hh)
            t0 = time.perf_counter()
            base = r.run()
            w = time.perf_counter() - t0
            if base.exit_code != 0:
                raise RuntimeError(f"{board}: the no-hook baseline run did not finish ({base.stop_reason})")
            nohook = min(nohook or w, w)
        wall, res = best
        executed = res.cycles - res.stats.get("sleep_cycles", 0) - res.stats.get("uart_wait_cycles", 0)
        guest_mips = res.instructions / wall / 1e6
        nohook_mips = res.instructions / nohook / 1e6
        rows.append(dict(board=board, guest_instr=res.instructions, modelled_cycles=res.cycles,
                         wall_s=round(wall, 3), guest_mips=round(guest_mips, 1),
                         nohook_mips=round(nohook_mips, 1),
                         ratio_vs_nohook=round(guest_mips / nohook_mips, 3),
                         modelled_mcycles_per_wall_s=round(executed / wall / 1e6, 1)))
    return rows


def format_rows(rows: list[dict]) -> str:
    cols = list(rows[0]) if rows else []
    lines = ["  ".join(f"{c:>14}" for c in cols)]
    lines += ["  ".join(f"{r[c]!s:>14}" for c in cols) for r in rows]
    return "\n".join(lines)
