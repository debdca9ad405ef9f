"""Serve an emulated board's UART on a pseudo-terminal, like a board's ST-LINK VCP.

Serial tools (and boardtwin's own `serial` target) open the pty's path exactly as they
would open /dev/ttyACM0, which is how the physical-board path is tested without a board.
Optional fault injection (garbage bytes, split writes, a disconnect) exercises the serial
target's error handling with a deterministic seed.
"""

from __future__ import annotations

import os
import random
import time
import tty
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Faults:
    garbage_every: int = 0  # inject a burst of random bytes before every Nth line (0 = never)
    split_lines: bool = False  # write each line in two parts with a pause between
    disconnect_after: int = 0  # close the pty after N lines (0 = never)
    seed: int = 1


class PtyWriter:
    """on_line callback that writes each line to the pty master, injecting faults."""

    def __init__(self, master_fd: int, faults: Faults | None = None):
        self.fd = master_fd
        self.faults = faults or Faults()
        self.rng = random.Random(self.faults.seed)
        self.count = 0
        self.injected = 0
        self.closed = False

    def __call__(self, line: str) -> None:
        if self.closed:
            return
        f = self.faults
        self.count += 1
        if f.garbage_every and self.count % f.garbage_every == 0:
            # Garbage never contains '\n' so it stays glued to the front of the next line,
            # as a glitching link does; the parser must still find the record in it.
            junk = bytes(self.rng.choice([0x00, 0xFF, 0x1B, 0x7F, 0x80, 0x3F, 0x41]) for _ in
                         range(self.rng.randint(1, 12)))
            self._write(junk)
            self.injected += 1
        data = (line + "\n").encode()
        if f.split_lines and len(data) > 2:
            cut = self.rng.randint(1, len(data) - 1)
            self._write(data[:cut])
            time.sleep(0.001)
            self._write(data[cut:])
            self.injected += 1
        else:
            self._write(data)
        if f.disconnect_after and self.count >= f.disconnect_after:
            # The emulator writes far faster than a 115200-baud link: give the reader the
            # moment a real UART would have taken to send these lines, then pull the cable.
            time.sleep(0.2)
            self.close()

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)


def open_pty() -> tuple[int, str]:
    """A raw pty pair: (master fd, slave path, slave fd); we hold the slave fd open."""
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no CR/LF translation: bytes as a UART sends them
    path = os.ttyname(slave)
    # Keep our slave fd open until a reader attaches, otherwise writes fail with EIO.
    return master, path, slave


def serve(elf: Path, board: str, *, faults: Faults | None = None, ready=None,
          max_cycles: int = 20_000_000_000) -> dict:
    """Run the emulator with its UART on a fresh pty; `ready(path)` is called before it starts."""
    from harness.emulate import emulate
    master, path, slave = open_pty()
    writer = PtyWriter(master, faults)
    if ready:
        ready(path)
    try:
        res = emulate(elf, board, max_cycles=max_cycles, on_line=writer)
    finally:
        time.sleep(0.2)  # let the reader drain before the pty goes away
        writer.close()
        os.close(slave)
    return dict(lines=len(res.lines), injected=writer.injected, exit_code=res.exit_code)
