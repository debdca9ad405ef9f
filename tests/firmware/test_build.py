"""Board images: both boards x hello_world x both kernel sets build with the documented
CMake command, and the ELF is a sane Cortex-M image for its board."""

from __future__ import annotations

import struct

import pytest
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from fwbuild import BOARDS, KERNELS, REGIONS

# libc pieces that must never be linked: heap and stdio printf (bt_printf replaces it).
FORBIDDEN = {"malloc", "_malloc_r", "calloc", "_calloc_r", "realloc", "_realloc_r", "free",
             "_free_r", "_sbrk", "_sbrk_r", "printf", "iprintf", "sprintf", "snprintf",
             "vprintf", "vsnprintf", "_vfprintf_r", "_svfprintf_r", "_vfiprintf_r",
             "_printf_i", "_printf_float", "puts", "fputs", "putchar"}


def _symbols(ef: ELFFile) -> dict[str, int]:
    tab = ef.get_section_by_name(".symtab")
    assert isinstance(tab, SymbolTableSection), "ELF has no symbol table"
    return {s.name: s["st_value"] for s in tab.iter_symbols() if s.name}


def _region_use(ef: ELFFile, board: str) -> dict[str, int]:
    """Bytes of every allocated section by the region holding its run address (VMA),
    plus the load image (LMA) of initialised data in FLASH."""
    use = {name: 0 for name in REGIONS[board]}
    for seg_sec in ef.iter_sections():
        if not seg_sec["sh_flags"] & SH_FLAGS.SHF_ALLOC or seg_sec["sh_size"] == 0:
            continue
        addr, size = seg_sec["sh_addr"], seg_sec["sh_size"]
        for name, (origin, length) in REGIONS[board].items():
            if origin <= addr < origin + length:
                assert addr + size <= origin + length, f"{seg_sec.name} overflows {name}"
                use[name] += size
                if name != "FLASH" and seg_sec["sh_type"] != "SHT_NOBITS":
                    use["FLASH"] += size  # copied from flash at reset
                break
        else:
            pytest.fail(f"section {seg_sec.name} at {addr:#x} is outside every {board} region")
    return use


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("board", BOARDS)
def test_hello_world_image(firmware_build, board, kernels):
    b = firmware_build(board, "hello_world", kernels)
    assert b.elf.is_file() and b.map.is_file()
    with open(b.elf, "rb") as f:
        ef = ELFFile(f)
        assert ef["e_machine"] == "EM_ARM"
        syms = _symbols(ef)

        # Entry point is the Thumb reset handler.
        assert ef["e_entry"] & ~1 == syms["Reset_Handler"] & ~1
        assert ef["e_entry"] & 1 == 1

        # Vector table first in flash: initial SP is the top of the stack in RAM, reset
        # vector points at Reset_Handler, every handler is a Thumb address in flash.
        vt = ef.get_section_by_name(".isr_vector")
        assert vt is not None and vt["sh_addr"] == 0x08000000
        words = struct.unpack(f"<{vt['sh_size'] // 4}I", vt.data())
        assert words[0] == syms["_estack"]
        assert any(o <= words[0] <= o + n for r, (o, n) in REGIONS[board].items() if r != "FLASH")
        assert words[1] == syms["Reset_Handler"] | 1
        assert words[3] == syms["HardFault_Handler"] | 1
        assert words[15] == syms["SysTick_Handler"] | 1
        flash_lo, flash_len = REGIONS[board]["FLASH"]
        for i, w in enumerate(words[1:], start=1):
            if w:
                assert w & 1 and flash_lo <= w < flash_lo + flash_len, f"vector {i} = {w:#x}"
        expected_irqs = {"f413": 102, "f769": 110}[board]
        assert len(words) == 16 + expected_irqs

        # The model is in flash, 16-byte aligned, with its size word next to it.
        assert syms["bt_model_data"] % 16 == 0
        assert flash_lo <= syms["bt_model_data"] < flash_lo + flash_len

        # Fits the board, and no heap/stdio printf linked.
        use = _region_use(ef, board)
        for name, (_, length) in REGIONS[board].items():
            assert use[name] <= length, f"{name}: {use[name]} > {length}"
        linked = FORBIDDEN & set(syms)
        assert not linked, f"forbidden libc symbols linked: {sorted(linked)}"

    # The map file is the linker's, for this image.
    assert "bt_model_data" in b.map.read_text(errors="replace")


def test_f769_stack_in_dtcm_and_tensor_arena_placement(firmware_build):
    """Stack + .bss live in DTCM; a default arena fits there; a large one goes to SRAM1."""
    b = firmware_build("f769", "hello_world", "ref")
    big = firmware_build("f769", "hello_world", "ref", BT_ARENA_BYTES=200_000)
    for build, region in ((b, "DTCM"), (big, "SRAM")):
        with open(build.elf, "rb") as f:
            syms = _symbols(ELFFile(f))
        origin, length = REGIONS["f769"][region]
        arena = next(v for k, v in syms.items() if k == "arena" or k.startswith("arena."))
        assert origin <= arena < origin + length, f"arena at {arena:#x}, expected {region}"
        dtcm_o, dtcm_n = REGIONS["f769"]["DTCM"]
        assert dtcm_o <= syms["_sstack"] < syms["_estack"] <= dtcm_o + dtcm_n


def test_missing_model_is_a_configure_error(tmp_path):
    import subprocess
    from fwbuild import FIRMWARE, TOOLCHAIN, require_toolchain
    require_toolchain()
    proc = subprocess.run(
        ["cmake", "-S", str(FIRMWARE), "-B", str(tmp_path / "b"), f"-DCMAKE_TOOLCHAIN_FILE={TOOLCHAIN}",
         "-DBT_BOARD=f413", "-DBT_APP=hello_world", f"-DBT_MODEL={tmp_path / 'none.tflite'}"],
        capture_output=True, text=True)
    assert proc.returncode != 0
    assert "BT_MODEL" in proc.stdout + proc.stderr


def test_documented_configure_command_with_relative_toolchain_path(tmp_path, models_dir):
    """`cmake -S firmware -B ... -DCMAKE_TOOLCHAIN_FILE=firmware/cmake/arm-none-eabi.cmake`
    run from the repository root, exactly as docs/the brief give it."""
    import os
    import subprocess
    from fwbuild import REPO, require_toolchain
    require_toolchain()
    env = dict(os.environ, PWD=str(REPO))
    proc = subprocess.run(
        ["cmake", "-S", "firmware", "-B", str(tmp_path / "b"),
         "-DCMAKE_TOOLCHAIN_FILE=firmware/cmake/arm-none-eabi.cmake", "-DBT_BOARD=f769",
         "-DBT_APP=hello_world", "-DBT_KERNELS=ref",
         f"-DBT_MODEL={models_dir / 'hello_world' / 'hello_world_int8.tflite'}"],
        cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cache = (tmp_path / "b" / "CMakeCache.txt").read_text()
    assert f"CMAKE_TOOLCHAIN_FILE:FILEPATH={REPO}/firmware/cmake/arm-none-eabi.cmake" in cache
