"""Firmware build driver: (board, app, kernels, model, input) -> ELF.

CMake does the real work and its own incremental rebuilds; this module picks one
build directory per configuration so that configurations never overwrite each other
and a second `make report` rebuilds only what changed.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from harness import opset
from harness.errors import BuildError, InputError, ToolMissing

REPO_ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = REPO_ROOT / "firmware"
TOOLCHAIN_FILE = FIRMWARE / "cmake" / "arm-none-eabi.cmake"
BUILD_ROOT = REPO_ROOT / "build"
BOARDS = ("f413", "f769")
KERNELS = ("ref", "dsp")
APT_HINT = "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi cmake (or run `make setup`)"


@dataclass(frozen=True)
class Image:
    elf: Path
    map: Path
    build_dir: Path
    board: str
    app: str
    kernels: str


def require_tools(host: bool = False) -> None:
    tools = ["cmake"] + ([] if host else ["arm-none-eabi-gcc"])
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise ToolMissing(f"{', '.join(missing)} not found: {APT_HINT}")


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, Path):
            h.update(p.read_bytes() if p.is_file() else str(p).encode())
        else:
            h.update(str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:10]


def build_firmware(board: str, app: str, model: Path, *, kernels: str = "ref",
                   input_blob: Path | None = None, iterations: int = 50,
                   arena_bytes: int = 0, extra: dict | None = None) -> Image:
    if board not in BOARDS:
        raise InputError(f"--board {board}: unknown board (choose from {', '.join(BOARDS)})")
    if kernels not in KERNELS:
        raise InputError(f"--kernels {kernels}: unknown kernel set (choose from {', '.join(KERNELS)})")
    if not (FIRMWARE / "apps" / app).is_dir():
        raise InputError(f"app {app}: no such application under firmware/apps")
    model = Path(model).resolve()
    if not model.is_file():
        raise InputError(f"{model}: model file does not exist")
    flash = board_memory_bytes(board).get("flash", 0)
    if flash and model.stat().st_size > flash:  # say so before a minute of building
        raise InputError(f"{model}: {model.stat().st_size:,} B model does not fit the {board}'s "
                         f"{flash:,} B flash (over by {model.stat().st_size - flash:,} B)")
    require_tools()
    defs = {
        "CMAKE_TOOLCHAIN_FILE": TOOLCHAIN_FILE,
        "BT_BOARD": board, "BT_APP": app, "BT_KERNELS": kernels,
        "BT_MODEL": model, "BT_INPUT": Path(input_blob).resolve() if input_blob else "",
        "BT_ITERATIONS": iterations, "BT_ARENA_BYTES": arena_bytes,
        "BT_OPS": opset.bt_ops(model),  # link only the model's kernels; extra may override
        "BT_FLOAT": opset.bt_float(model),  # float32 kernel paths only for float models
        "BT_QUANT": opset.bt_quant(model),  # int8/uint8/int16 paths only for quantized models
        **(extra or {}),
    }
    # The directory name says what it is; the digest keeps distinct models/inputs apart.
    key = _digest(model, input_blob or "", *sorted(f"{k}={v}" for k, v in defs.items()))
    build_dir = BUILD_ROOT / f"{board}-{app}-{kernels}-{key}"
    build_dir.mkdir(parents=True, exist_ok=True)
    # Two matrices (or pytest workers) may want the same image at once: one builds, the
    # other waits and then finds it up to date, instead of both racing inside one tree.
    with open(build_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (build_dir / "CMakeCache.txt").is_file():
            _run(["cmake", "-S", str(FIRMWARE), "-B", str(build_dir), "-G", "Unix Makefiles"]
                 + [f"-D{k}={v}" for k, v in defs.items()], "configure", build_dir)
        _run(["cmake", "--build", str(build_dir), "-j2"], "build", build_dir,
             context=f"{app} with {model.name} ({model.stat().st_size:,} B)"
                     + (f", {arena_bytes:,} B arena" if arena_bytes else "") + f" on {board}")
    elf = build_dir / "boardtwin.elf"
    if not elf.is_file():
        raise BuildError(f"{build_dir}: build finished but produced no boardtwin.elf")
    return Image(elf, build_dir / "boardtwin.map", build_dir, board, app, kernels)


_OVERFLOW = re.compile(r"region `(\w+)' overflowed by (\d+) bytes")


def _run(cmd: list[str], what: str, build_dir: Path, context: str = "") -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        out = proc.stdout + proc.stderr
        tail = out.strip().splitlines()[-15:]
        log = build_dir / f"{what}-error.log"
        build_dir.mkdir(parents=True, exist_ok=True)
        log.write_text(out)
        over = _OVERFLOW.findall(out)
        if over:  # the linker's verdict, in one line: which memory, by how much
            why = " and ".join(f"{'flash' if r.upper().startswith('FLASH') else r} short by {int(n):,} B"
                               for r, n in dict(over).items())
            raise BuildError(f"{context or 'the image'} does not fit: {why} (log: {log})")
        raise BuildError(f"firmware {what} failed ({log}):\n" + "\n".join(tail))


def board_memory_bytes(board: str) -> dict[str, int]:
    """Sizes of the board's memories from its .repl (e.g. {"flash": 1572864, "sram1": ...})."""
    from harness.emulate import boards, repl
    plat = repl.parse(boards.platforms_dir() / boards.get(board).repl)
    return {m.name: int(m.size or m.attrs.get("size") or 0) for m in plat.memories()}


def image_sizes(elf: Path) -> dict:
    """text/data/bss like arm-none-eabi-size, and flash (text+data) / ram (data+bss incl. stack)."""
    text = data = bss = 0
    with open(elf, "rb") as f:
        try:
            ef = ELFFile(f)
            for s in ef.iter_sections():
                flags = s["sh_flags"]
                if not flags & SH_FLAGS.SHF_ALLOC or s["sh_size"] == 0:
                    continue
                if s["sh_type"] == "SHT_NOBITS":
                    bss += s["sh_size"]
                elif flags & SH_FLAGS.SHF_WRITE:
                    data += s["sh_size"]
                else:
                    text += s["sh_size"]
        except Exception as exc:  # pyelftools raises several types for corrupt files
            raise InputError(f"{elf}: not a readable ELF file ({exc})") from None
    return dict(text=text, data=data, bss=bss, flash=text + data, ram=data + bss)
