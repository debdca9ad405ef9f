"""Board names -> platform description files under platforms/."""

from __future__ import annotations

from pathlib import Path

from harness.errors import InputError

PLATFORMS = Path(__file__).resolve().parent.parent / "platforms"
BOARD_FILES = {
    "f413": "stm32f413h_discovery.repl",
    "f769": "stm32f769i_discovery.repl",
}
BOARD_TITLES = {"f413": "F4 (STM32F413H-Discovery, Cortex-M4F)",
                "f769": "F7 (STM32F769I-Discovery, Cortex-M7)"}


def platform_file(board: str) -> Path:
    if board not in BOARD_FILES:
        raise InputError(f"--board {board}: unknown board (choose from {', '.join(BOARD_FILES)})")
    return PLATFORMS / BOARD_FILES[board]
