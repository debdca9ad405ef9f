"""Target: a physical board on its ST-LINK virtual COM port.

Flashing goes through pyOCD (or OpenOCD) as a subprocess; the console is read with
pyserial. Bytes are decoded leniently (a noisy link must not lose the lines around the
noise) and a board that drops off USB ends the run with TargetDisconnected, which
carries every line already read so nothing measured is lost.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

from harness.errors import BoardtwinError, InputError, ToolMissing
from harness.targets.base import (EXIT_MARK, LineCollector, Target, TargetDisconnected, TargetRun,
                                  TargetTimeout)

# pyOCD target names of the two boards' MCUs (pyocd list --targets).
PYOCD_TARGETS = {"f413": "stm32f413zhtx", "f769": "stm32f769nihx"}
OPENOCD_CFG = {"f413": "board/stm32f413h-disco.cfg", "f769": "board/stm32f769i-disco.cfg"}


def find_stlink_port() -> str | None:
    """The first serial port whose USB description looks like an ST-LINK VCP."""
    from serial.tools import list_ports
    for p in list_ports.comports():
        text = f"{p.description} {p.manufacturer or ''} {p.product or ''}".lower()
        if "stlink" in text.replace("-", "") or (p.vid == 0x0483):
            return p.device
    return None


class SerialTarget(Target):
    name = "serial"

    def __init__(self, port: str | None = None, baud: int = 115200, flasher: str | None = "pyocd",
                 probe: str | None = None, reset_settle_s: float = 0.0):
        self.port = port
        self.baud = baud
        self.flasher = flasher
        self.probe = probe
        self.reset_settle_s = reset_settle_s

    def flash(self, elf: Path, board: str) -> None:
        if self.flasher in (None, "none"):
            return
        if self.flasher == "emulator":
            self._start_emulated_board(elf, board)
            return
        if self.flasher == "pyocd":
            exe = shutil.which("pyocd")
            if exe is None:
                raise ToolMissing("pyocd not found: pip install 'boardtwin[hw]' (or --flasher openocd)")
            cmd = [exe, "flash", "-t", PYOCD_TARGETS[board], str(elf)] + (
                ["-u", self.probe] if self.probe else [])
        elif self.flasher == "openocd":
            exe = shutil.which("openocd")
            if exe is None:
                raise ToolMissing("openocd not found: apt-get install openocd (or --flasher pyocd)")
            cmd = [exe, "-f", OPENOCD_CFG[board], "-c", f"program {elf} verify reset exit"]
        else:
            raise InputError(f"--flasher {self.flasher}: unknown (choose pyocd, openocd, emulator or none)")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BoardtwinError(f"flashing {elf.name} on {board} with {self.flasher} failed: {last[0]}")

    def _start_emulated_board(self, elf: Path, board: str) -> None:
        """'Flash' = (re)start boardtwin's emulator serving `elf` on a fresh pty, so the rest
        of this target (pyserial, line handling, errors) runs exactly as against a board."""
        import sys
        self._stop_emulated_board()
        self._board_proc = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", "emulate", str(elf), "--board", board, "--pty",
             "--pty-wait", "0.5"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        first = self._board_proc.stderr.readline()
        if not first.startswith("pty: "):
            rest = first + self._board_proc.stderr.read()
            raise BoardtwinError(f"emulated board did not start: {rest.strip().splitlines()[-1:]}")
        self.port = first.split("pty: ", 1)[1].strip()

    def _stop_emulated_board(self) -> None:
        proc = getattr(self, "_board_proc", None)
        if proc is not None:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            self._board_proc = None

    def open(self):
        import serial
        port = self.port or find_stlink_port()
        if port is None:
            raise InputError("no serial port given and no ST-LINK virtual COM port found (--port)")
        try:
            return serial.Serial(port, self.baud, timeout=0.2)
        except (serial.SerialException, OSError) as exc:
            raise InputError(f"{port}: cannot open serial port ({exc})") from None

    def run(self, elf: Path, board: str, *, timeout_s: float = 120.0,
            on_line: Callable[[str], None] | None = None) -> TargetRun:
        self.flash(elf, board)
        ser = self.open()
        try:
            return self.read_run(ser, board, timeout_s=timeout_s, on_line=on_line)
        finally:
            try:
                ser.close()
            except Exception:  # already gone with the USB device
                pass
            self._stop_emulated_board()

    def read_run(self, ser, board: str, *, timeout_s: float,
                 on_line: Callable[[str], None] | None = None) -> TargetRun:
        """Collect lines until the exit marker; decoding is lenient so noise stays local."""
        import serial
        col = LineCollector(on_line)
        t0 = time.monotonic()
        while not col.done:
            if time.monotonic() - t0 > timeout_s:
                raise TargetTimeout(f"{ser.port}: no '{EXIT_MARK}' line within {timeout_s:.0f} s "
                                    f"({len(col.lines)} lines read)", col.lines)
            try:
                chunk = ser.read(4096)
            except (serial.SerialException, OSError) as exc:
                raise TargetDisconnected(f"{ser.port}: board disconnected after {len(col.lines)} "
                                         f"lines ({exc})", col.lines) from None
            col.feed(chunk)
        return TargetRun(lines=col.lines, target=self.name, board=board,
                         wall_s=time.monotonic() - t0, stop_reason="exit", exit_code=col.exit_code)
