"""The target interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class TargetRun:
    """Raw outcome of one firmware run: the console lines plus what the backend knows."""

    lines: list[str]
    target: str
    board: str
    wall_s: float
    stop_reason: str = ""
    exit_code: int | None = None
    meta: dict = field(default_factory=dict)  # backend extras (emulated cycles, instructions...)


class Target(ABC):
    name = "?"

    @abstractmethod
    def run(self, elf: Path, board: str, *, timeout_s: float = 120.0,
            on_line: Callable[[str], None] | None = None) -> TargetRun:
        """Load/flash `elf`, reset, collect console lines until the exit marker or a limit."""
