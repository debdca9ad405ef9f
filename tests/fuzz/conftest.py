"""Fixtures for the fuzzing tests: the fuzz build (never skipped: a missing clang or
libFuzzer runtime FAILS with the install hint) and the deliberately broken target."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness import fuzz

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def fuzz_build() -> dict:
    """{'run': bt_fuzz_run, 'libfuzzer': bt_fuzz_libfuzzer} built with clang + ASan/UBSan."""
    return fuzz.build("clang")


@pytest.fixture(scope="session")
def broken_driver(tmp_path_factory) -> Path:
    """firmware/fuzz/fuzz_driver.c linked with tests/fuzz/broken_target.c (ASan + UBSan)."""
    cc = shutil.which("clang")
    if cc is None:
        pytest.fail(f"clang not found: {fuzz.INSTALL_HINT}")
    exe = tmp_path_factory.mktemp("broken") / "broken_run"
    cmd = [cc, "-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror",
           "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
           f"-I{fuzz.FUZZ_SRC}", f"-I{fuzz.REPO / 'firmware/runtime/include'}",
           str(fuzz.FUZZ_SRC / "fuzz_driver.c"), str(HERE / "broken_target.c"), "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        pytest.fail(f"cannot build the broken target ({fuzz.INSTALL_HINT}):\n{r.stderr}")
    return exe
