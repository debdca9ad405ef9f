"""Footprint per component from a GNU ld map file.

`arm-none-eabi-size` gives image totals only; the map file says which object every input
section came from, so the runtime's own flash and static RAM can be told apart from the
BSP, the application, the model blob and libc.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from harness.errors import InputError

_OUT = re.compile(r"^(\.[\w.]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+")
_IN_FULL = re.compile(r"^ (\.[\w.$-]+|COMMON)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_IN_NAME = re.compile(r"^ (\.[\w.$-]+|COMMON)\s*$")
_IN_REST = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")

FLASH_ONLY = (".isr_vector", ".text", ".rodata", ".ARM.exidx", ".ARM.extab", ".init", ".fini",
              ".itcm_text")  # .itcm_text runs from ITCM RAM but is stored in flash
RAM_ONLY = (".bss", ".stack", ".heap", ".noinit", ".dtcm_bss", ".arena", ".tensor_arena")
BOTH = (".data", ".dtcm_data")


def component(obj: str) -> str:
    """Which part of the firmware an object file belongs to."""
    if "libbt_runtime.a" in obj:
        return "runtime"
    if "libbt_frontend.a" in obj:
        return "frontend"
    if "bt_bsp.dir" in obj:
        return "bsp"
    if "blobs.S" in obj:
        return "model+input"
    if "boardtwin.dir" in obj:
        return "app"
    for lib in ("libc_nano", "libc.a", "libm.a", "libgcc", "libnosys"):
        if lib in obj:
            return "libc/libgcc"
    return "other"


def footprint(map_path: Path) -> dict[str, dict[str, int]]:
    """{component: {"flash": bytes, "ram": bytes}} from a GNU ld map file."""
    try:
        text = Path(map_path).read_text(errors="replace")
    except OSError as exc:
        raise InputError(f"{map_path}: cannot read map file ({exc})") from None
    if "Linker script and memory map" not in text:
        raise InputError(f"{map_path}: not a GNU ld map file")
    body = text.split("Linker script and memory map", 1)[1]
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"flash": 0, "ram": 0})
    section = None
    pending = None
    for line in body.splitlines():
        if m := _OUT.match(line):
            section = m.group(1)
            pending = None
            continue
        if m := _IN_FULL.match(line):
            _add(out, section, int(m.group(3), 16), m.group(4))
            pending = None
        elif m := _IN_NAME.match(line):
            pending = m.group(1)
        elif pending and (m := _IN_REST.match(line)):
            _add(out, section, int(m.group(2), 16), m.group(3))
            pending = None
    return {k: dict(v) for k, v in out.items()}


def _add(out, section, size, obj):
    if section is None or size == 0 or obj.startswith("*"):
        return
    comp = component(obj)
    if section.startswith(FLASH_ONLY):
        out[comp]["flash"] += size
    elif section.startswith(BOTH):
        out[comp]["flash"] += size
        out[comp]["ram"] += size
    elif section.startswith(RAM_ONLY):
        out[comp]["ram"] += size
