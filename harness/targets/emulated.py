"""Target: boardtwin's own emulator (harness.emulate)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from harness.targets.base import Target, TargetRun


class EmulatedTarget(Target):
    name = "emulated"

    def __init__(self, max_cycles: int = 20_000_000_000, profile: bool = False):
        self.max_cycles = max_cycles
        self.profile = profile

    def run(self, elf: Path, board: str, *, timeout_s: float = 600.0,
            on_line: Callable[[str], None] | None = None) -> TargetRun:
        from harness.emulate import emulate
        res = emulate(elf, board, max_cycles=self.max_cycles, on_line=on_line, profile=self.profile)
        return TargetRun(lines=list(res.lines), target=self.name, board=board, wall_s=res.wall_s,
                         stop_reason=res.stop_reason, exit_code=res.exit_code,
                         meta=dict(emu_cycles=res.cycles, emu_instructions=res.instructions,
                                   emu_core_hz=res.core_hz, profile=res.profile))
