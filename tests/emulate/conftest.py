"""Builds the emulator test firmware (tests/emulate/fw) with arm-none-eabi-gcc."""
import shutil
import subprocess
from pathlib import Path

import pytest

FW = Path(__file__).parent / "fw"
_CPU = {"f413": ("cortex-m4", "fpv4-sp-d16", "BOARD_F413"), "f769": ("cortex-m7", "fpv5-d16", "BOARD_F769")}


def _gcc():
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.fail("arm-none-eabi-gcc not found: install it with `sudo apt-get install gcc-arm-none-eabi` "
                    "(or run tools/ensure-toolchain.sh)")
    return gcc


@pytest.fixture(scope="session")
def build_fw(tmp_path_factory):
    """build_fw(app, board, *defines) -> path of the ELF (cached for the session)."""
    out = tmp_path_factory.mktemp("fw")
    cache = {}

    def build(app, board, *defines):
        key = (app, board, defines)
        if key in cache:
            return cache[key]
        cpu, fpu, bdef = _CPU[board]
        name = "_".join([app, board, *[d.replace("=", "-") for d in defines]])
        elf = out / f"{name}.elf"
        srcs = [FW / "startup.c", FW / "tbsp.c", FW / f"{app}.c"]
        if (FW / f"{app}_m.S").exists():
            srcs.append(FW / f"{app}_m.S")
        cmd = [_gcc(), f"-mcpu={cpu}", "-mthumb", f"-mfpu={fpu}", "-mfloat-abi=hard", "-O2", "-g",
               "-ffreestanding", "-nostdlib", "-Wall", f"-D{bdef}", *[f"-D{d}" for d in defines],
               "-T", str(FW / "link.ld"), *map(str, srcs), "-o", str(elf), "-lgcc"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            pytest.fail(f"building {name} failed:\n{r.stderr}")
        cache[key] = elf
        return elf

    return build
