"""Build-level checks of firmware/frontend: generated tables current, standalone CMake build,
Cortex-M compile with no floating point, host driver input handling."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import frontend_tool as ft

SRC = sorted((ft.FRONTEND / "src").glob("*.c"))


def test_tables_up_to_date(ms_dir):
    r = subprocess.run([sys.executable, str(ft.FRONTEND / "gen_tables.py"), str(ft.PREPROCESSOR), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"re-run firmware/frontend/gen_tables.py: {r.stderr}"


def test_cmake_standalone_build(tmp_path, ms_dir):
    cmake = shutil.which("cmake")
    assert cmake, "cmake not found"
    b = tmp_path / "build"
    for cmd in ([cmake, "-S", str(ft.FRONTEND), "-B", str(b), "-DCMAKE_BUILD_TYPE=Release"],
                [cmake, "--build", str(b), "-j2"]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    assert (b / "libbt_frontend.a").is_file()
    wav = ms_dir / "testdata" / "yes_30ms.wav"
    assert (ft.run_file(wav, b / "bt_frontend_dump") == ft.Golden().features(ft.read_wav(wav))).all()


@pytest.mark.parametrize("cpu", ["cortex-m4", "cortex-m7"])
def test_cortex_m_integer_only(cpu, tmp_path):
    """Soft-float ABI turns any float/double operation into an __aeabi_ helper call: there must
    be none (and no libm), so the front end is pure integer code."""
    cc = shutil.which("arm-none-eabi-gcc")
    assert cc, "arm-none-eabi-gcc not found (make toolchain)"
    objs = []
    for c in SRC:
        o = tmp_path / (c.stem + ".o")
        r = subprocess.run([cc, f"-mcpu={cpu}", "-mthumb", "-mfloat-abi=soft", "-std=c11", "-O2",
                            "-Wall", "-Wextra", "-Werror", "-I", str(ft.FRONTEND / "include"),
                            "-c", str(c), "-o", str(o)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        objs.append(str(o))
    nm = shutil.which("arm-none-eabi-nm")
    r = subprocess.run([nm, *objs], capture_output=True, text=True, check=True)
    syms = [ln.split() for ln in r.stdout.splitlines() if ln.strip() and ":" not in ln]
    defined = {s[-1] for s in syms if len(s) == 3}
    undefined = {s[-1] for s in syms if len(s) == 2 and s[0] == "U"} - defined
    allowed = {"memset", "memcpy"}
    assert undefined <= allowed, f"unexpected external calls: {sorted(undefined - allowed)}"


def test_driver_rejects_bad_input(exe, tmp_path):
    bogus = tmp_path / "x.wav"
    bogus.write_bytes(b"not a wav file at all")
    r = subprocess.run([str(exe), str(bogus)], capture_output=True, text=True)
    assert r.returncode == 2 and "RIFF" in r.stderr
    r = subprocess.run([str(exe), str(tmp_path / "missing.wav")], capture_output=True, text=True)
    assert r.returncode == 2
    r = subprocess.run([str(exe)], capture_output=True, text=True)
    assert r.returncode == 2 and "usage" in r.stderr


def test_short_input_gives_no_frames(exe):
    import numpy as np
    assert ft.run_pcm(np.zeros(479, np.int16), exe).shape == (0, 40)
