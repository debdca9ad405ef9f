"""The target interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from harness.errors import BoardtwinError


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


EXIT_MARK = "BOARDTWIN-EXIT"


class TargetDisconnected(BoardtwinError):
    def __init__(self, message: str, lines: list[str]):
        super().__init__(message)
        self.lines = lines


class TargetTimeout(BoardtwinError):
    def __init__(self, message: str, lines: list[str]):
        super().__init__(message)
        self.lines = lines



class LineCollector:
    """Bytes from a console link -> lines, until the exit marker.

    Decoding is lenient (errors="replace") so a burst of noise damages one line, not the
    run; a damaged marker still ends the run, with exit code -1.
    """

    def __init__(self, on_line: Callable[[str], None] | None = None):
        self.lines: list[str] = []
        self.exit_code: int | None = None
        self._buf = b""
        self._on_line = on_line

    def feed(self, chunk: bytes) -> None:
        self._buf += chunk
        while b"\n" in self._buf and self.exit_code is None:
            raw, self._buf = self._buf.split(b"\n", 1)
            line = raw.decode("utf-8", errors="replace").rstrip("\r")
            self.lines.append(line)
            if self._on_line:
                self._on_line(line)
            if EXIT_MARK in line:
                try:
                    self.exit_code = int(line.split(EXIT_MARK, 1)[1].split()[0])
                except (IndexError, ValueError):
                    self.exit_code = -1

    @property
    def done(self) -> bool:
        return self.exit_code is not None
