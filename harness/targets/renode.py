"""Target: Renode, for users who have `renode` on PATH.

boardtwin writes a run script that includes the board's platforms/*.resc, puts the
board's VCP UART on a TCP socket terminal and starts the machine; the console lines are
read from that socket. Renode counts time per instruction (it does not model wait states
or caches), so its cycle figures are functional, not a timing reference.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

from harness.errors import ToolMissing
from harness.platforms import PLATFORMS, platform_file
from harness.targets.base import (EXIT_MARK, LineCollector, Target, TargetDisconnected, TargetRun,
                                  TargetTimeout)

VCP_UART = {"f413": "usart6", "f769": "usart1"}
INSTALL_HINT = ("renode not found on PATH: install Renode from its releases (it is in no package "
                "registry reachable here) or use --target emulated")


def resc_text(elf: Path, board: str, port: int) -> str:
    """The monitor script Renode runs: load the board, the ELF, wire the UART to a socket."""
    resc = platform_file(board).with_suffix(".resc")
    return "\n".join([
        f"$elf=@{Path(elf).resolve()}",
        f"path add @{PLATFORMS.parent}",
        f"include @{resc}",
        f'emulation CreateServerSocketTerminal {port} "bt_term" false',
        f"connector Connect sysbus.{VCP_UART[board]} bt_term",
        "start",
        "",
    ])


def renode_command(script: Path) -> list[str]:
    extra = shlex.split(os.environ.get("BOARDTWIN_RENODE_ARGS", "--disable-xwt --console --plain"))
    return [shutil.which("renode") or "renode", *extra, "-e", f"include @{script}"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RenodeTarget(Target):
    name = "renode"

    def run(self, elf: Path, board: str, *, timeout_s: float = 300.0,
            on_line: Callable[[str], None] | None = None) -> TargetRun:
        if shutil.which("renode") is None:
            raise ToolMissing(INSTALL_HINT)
        port = _free_port()
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "boardtwin-run.resc"
            script.write_text(resc_text(elf, board, port))
            proc = subprocess.Popen(renode_command(script), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            try:
                return self._read(port, board, proc, timeout_s, on_line)
            finally:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def _read(self, port, board, proc, timeout_s, on_line) -> TargetRun:
        t0 = time.monotonic()
        sock = None
        while sock is None:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace").strip().splitlines()[-1:]
                raise TargetDisconnected(f"renode exited ({proc.returncode}) before its UART "
                                         f"socket opened: {err[0] if err else 'no output'}", [])
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                if time.monotonic() - t0 > 60:
                    raise TargetTimeout("renode: UART socket did not open within 60 s", []) from None
                time.sleep(0.2)
        col = LineCollector(on_line)
        sock.settimeout(0.5)
        with sock:
            while not col.done:
                if time.monotonic() - t0 > timeout_s:
                    raise TargetTimeout(f"renode: no '{EXIT_MARK}' within {timeout_s:.0f} s", col.lines)
                try:
                    chunk = sock.recv(4096)
                except socket.timeout:
                    continue
                if not chunk:
                    raise TargetDisconnected("renode closed the UART socket", col.lines)
                col.feed(chunk)
        return TargetRun(lines=col.lines, target=self.name, board=board,
                         wall_s=time.monotonic() - t0, stop_reason="exit", exit_code=col.exit_code)
