"""Helpers for the firmware tests: board facts and the documented CMake build."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "firmware"
TOOLCHAIN = FIRMWARE / "cmake" / "arm-none-eabi.cmake"
APT_HINT = ("install the toolchain with: sudo apt-get install gcc-arm-none-eabi "
            "libnewlib-arm-none-eabi cmake (or run `make toolchain`)")

BOARDS = ("f413", "f769")
KERNELS = ("ref", "dsp")
# Memory regions per board (RM0430 / RM0410 memory maps): name -> (origin, length).
REGIONS = {
    "f413": {"FLASH": (0x08000000, 1536 * 1024), "RAM": (0x20000000, 320 * 1024)},
    "f769": {"FLASH": (0x08000000, 2048 * 1024), "ITCM": (0x00000000, 16 * 1024),
             "DTCM": (0x20000000, 128 * 1024), "SRAM": (0x20020000, 384 * 1024)},
}
CORE_HZ = {"f413": 100_000_000, "f769": 216_000_000}


@dataclass(frozen=True)
class Build:
    board: str
    app: str
    kernels: str
    dir: Path

    @property
    def elf(self) -> Path:
        return self.dir / "boardtwin.elf"

    @property
    def map(self) -> Path:
        return self.dir / "boardtwin.map"


def require_toolchain() -> None:
    missing = [t for t in ("cmake", "arm-none-eabi-gcc") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: {APT_HINT}", pytrace=False)


def run_logged(cmd: list[str], log: Path) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
        pytest.fail(f"{' '.join(cmd)} failed (log {log}):\n{tail}", pytrace=False)
