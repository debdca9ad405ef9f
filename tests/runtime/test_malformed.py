"""Malformed models never crash the runtime (ASan + UBSan build): truncations,
bit flips, garbage, wrong identifier/version -> `ERROR: ...` and exit 1."""

import struct

import numpy as np
import pytest

from harness import hostrun


def _clean_error(r):
    text = r.stdout + r.stderr
    assert "AddressSanitizer" not in text and "runtime error" not in text, text[-3000:]
    assert r.returncode in (0, 1), f"exit {r.returncode}: {text[-2000:]}"
    if r.returncode == 1:
        assert "\nERROR: " in "\n" + r.stdout and "BOARDTWIN-EXIT 1" in r.stdout, r.stdout


def _run(tmp_path, data, name="m.tflite", args=()):
    p = tmp_path / name
    p.write_bytes(bytes(data))
    return hostrun.run_raw(p, list(args), sanitize=True)


@pytest.fixture(scope="module")
def hello_bytes(hello_int8):
    return hello_int8.read_bytes()


def test_wrong_identifier(tmp_path, hello_bytes, asan_exe):
    b = bytearray(hello_bytes)
    b[4:8] = b"TFL2"
    r = _run(tmp_path, b)
    _clean_error(r)
    assert "ERROR: MODEL_IDENTIFIER" in r.stdout


def test_wrong_version(tmp_path, hello_bytes, asan_exe):
    from tflite_micro.tensorflow.lite.micro.compression import model_editor as me
    m = me.read(hello_bytes)
    m._fb.version = 2
    r = _run(tmp_path, m.build())
    _clean_error(r)
    assert "ERROR: MODEL_VERSION" in r.stdout


@pytest.mark.parametrize("data", [b"", b"\0" * 4, b"\0" * 8 + b"TFL3", b"\xff" * 64],
                         ids=["empty", "4zero", "zero-root", "ff"])
def test_tiny_garbage(tmp_path, data, asan_exe):
    _clean_error(_run(tmp_path, data))


def test_truncated_every_64_bytes(tmp_path, hello_bytes, asan_exe):
    cuts = list(range(0, len(hello_bytes), 64)) + list(range(len(hello_bytes) - 40, len(hello_bytes)))
    for cut in cuts:
        r = _run(tmp_path, hello_bytes[:cut])
        _clean_error(r)
        assert r.returncode == 1, f"truncated at {cut} accepted"


def test_root_offset_out_of_range(tmp_path, hello_bytes, asan_exe):
    b = bytearray(hello_bytes)
    b[0:4] = struct.pack("<I", len(b) + 100)
    r = _run(tmp_path, b)
    _clean_error(r)
    assert "ERROR: MODEL_" in r.stdout


def test_bit_flips_host_run(tmp_path, hello_bytes, asan_exe):
    rng = np.random.default_rng(7)
    for k in range(150):
        b = bytearray(hello_bytes)
        for _ in range(1 + k % 3):
            i = int(rng.integers(0, len(b)))
            b[i] ^= 1 << int(rng.integers(0, 8))
        _clean_error(_run(tmp_path, b))


def test_fuzz_corpus_no_crash(tmp_path, models_dir, asan_exe):
    """Thousands of mutants through bt_fuzz (init + invoke) in one ASan process."""
    import subprocess
    fuzz = asan_exe.parent / "bt_fuzz"
    rng = np.random.default_rng(11)
    files = []
    for model in ["hello_world/hello_world_int8.tflite", "hello_world/hello_world_float.tflite",
                  "micro_speech/micro_speech_quantized.tflite"]:
        data = (models_dir / model).read_bytes()
        for k in range(700):
            b = bytearray(data)
            kind = k % 4
            if kind == 0:
                b = b[: int(rng.integers(0, len(b)))]
            elif kind == 1:
                for _ in range(int(rng.integers(1, 4))):
                    i = int(rng.integers(0, len(b)))
                    b[i] ^= 1 << int(rng.integers(0, 8))
            elif kind == 2:
                i = int(rng.integers(0, len(b) - 4))
                b[i:i + 4] = rng.integers(0, 256, 4, dtype=np.uint8).tobytes()
            else:  # the structural part (root, vtables, offsets) sits near the start
                i = int(rng.integers(0, min(len(b), 600)))
                b[i] = int(rng.integers(0, 256))
            p = tmp_path / f"f{len(files)}.bin"
            p.write_bytes(bytes(b))
            files.append(str(p))
    for i in range(0, len(files), 500):
        r = subprocess.run([str(fuzz), *files[i:i + 500]], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]


def test_fuzz_driver_detects_crash_sanity(asan_exe):
    """The ASan build really is instrumented (otherwise the tests above prove nothing)."""
    import subprocess
    r = subprocess.run(["nm", str(asan_exe)], capture_output=True, text=True)
    assert "__asan_init" in r.stdout or "__asan_report" in r.stdout
    assert "__ubsan_handle" in r.stdout
