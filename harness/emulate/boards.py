"""Board catalogue: platform description (.repl), memory timing and core timing files."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import EmulationError


def platforms_dir() -> Path:
    env = os.environ.get("BOARDTWIN_PLATFORMS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "platforms"


@dataclass(frozen=True)
class BoardSpec:
    name: str
    repl: str
    memory: str
    family: str        # f4 | f7: register layouts of USART / PWR
    n_irqs: int


BOARDS = {
    "f413": BoardSpec("f413", "stm32f413h_discovery.repl", "stm32f413.toml", "f4", 102),
    "f769": BoardSpec("f769", "stm32f769i_discovery.repl", "stm32f769.toml", "f7", 110),
}


def get(board: str) -> BoardSpec:
    try:
        return BOARDS[board]
    except KeyError:
        raise EmulationError(f"unknown board {board!r} (choose from {', '.join(BOARDS)})") from None


def memory_params(spec: BoardSpec) -> dict:
    return tomllib.loads((platforms_dir() / "timing" / spec.memory).read_text())
