"""Golden reference: the tflite-micro wheel (TFLM's reference kernels).

Everything here runs TFLM in-process except `tflm_allocations`, which needs the
C-level stderr of `print_allocations()` and therefore runs in a subprocess.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

_INSTALL_HINT = "the tflite-micro wheel is missing: run `make setup` (pip install tflite-micro)"


def _runtime():
    try:
        from tflite_micro import runtime
    except ImportError as e:  # pragma: no cover - environment problem
        raise RuntimeError(_INSTALL_HINT) from e
    return runtime


@contextmanager
def _quiet_stderr():
    """TFLM prints allocation failures on fd 2; keep bisection output clean."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _interpreter(model_path, arena_size=None):
    rt = _runtime()
    try:
        return rt.Interpreter.from_file(
            str(model_path), arena_size=arena_size,
            intrepreter_config=rt.InterpreterConfig.kAllocationRecording)
    except (struct.error, IndexError, UnicodeDecodeError, ValueError) as exc:
        # The wheel parses the flatbuffer in Python first: damage surfaces as these.
        from harness.errors import InputError
        raise InputError(f"{model_path}: the tflite-micro reference cannot read this model "
                         f"({type(exc).__name__}: {exc})") from None


@lru_cache(maxsize=16)
def _cached_interpreter(model_path: str):
    return _interpreter(model_path)


@lru_cache(maxsize=64)
def _details(model_path: str, kind: str) -> tuple:
    it = _cached_interpreter(model_path)
    get = it.get_input_details if kind == "input" else it.get_output_details
    out, i = [], 0
    with _quiet_stderr():  # the wheel logs the out-of-range probe that ends the loop
        while True:
            try:
                out.append(get(i))
            except Exception:
                return tuple(out)
            i += 1


def input_details(model_path) -> list[dict]:
    return list(_details(str(model_path), "input"))


def output_details(model_path) -> list[dict]:
    return list(_details(str(model_path), "output"))


def golden_outputs(model_path, inputs) -> list[np.ndarray]:
    """Run one inference with TFLM; `inputs` is one array per model input."""
    it = _cached_interpreter(str(model_path))
    it.reset()
    details = input_details(model_path)
    if len(inputs) != len(details):
        raise ValueError(f"model has {len(details)} inputs, got {len(inputs)}")
    for i, (x, d) in enumerate(zip(inputs, details)):
        it.set_input(np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]), i)
    it.invoke()
    return [np.array(it.get_output(i)) for i in range(len(output_details(model_path)))]


_PROBE_SCRIPT = r"""
import sys, numpy as np
from tflite_micro import runtime
try:
    it = runtime.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2]))
    i = 0
    while True:
        try:
            d = it.get_input_details(i)
        except Exception:
            break
        it.set_input(np.zeros(d["shape"], dtype=d["dtype"]), i)
        i += 1
    it.invoke()
except RuntimeError:
    sys.exit(3)
"""


def _arena_ok(model_path, size: int) -> bool:
    # One subprocess per probe: TFLM can crash (not just raise) on some
    # too-small arenas (e.g. the LSTM model segfaults), which must read as "no".
    r = subprocess.run([sys.executable, "-c", _PROBE_SCRIPT, str(model_path), str(size)],
                       capture_output=True, text=True, timeout=300)
    return r.returncode == 0


@lru_cache(maxsize=64)
def tflm_min_arena(model_path, step: int = 16) -> int:
    """Smallest arena (multiple of `step`) TFLM accepts, by bisection."""
    model_path = str(model_path)
    hi = max(4096, 10 * Path(model_path).stat().st_size) // step * step
    while not _arena_ok(model_path, hi):
        hi *= 2
        if hi > 1 << 28:
            raise RuntimeError(f"TFLM cannot run {model_path} with any arena")
    lo = 0  # known bad
    while hi - lo > step:
        mid = max(lo + step, (lo + hi) // 2 // step * step)
        if _arena_ok(model_path, mid):
            hi = mid
        else:
            lo = mid
    return hi


_ALLOC_SCRIPT = r"""
import sys, numpy as np
from tflite_micro import runtime
arena = int(sys.argv[2]) or None
it = runtime.Interpreter.from_file(sys.argv[1], arena_size=arena,
        intrepreter_config=runtime.InterpreterConfig.kAllocationRecording)
d = it.get_input_details(0)
it.set_input(np.zeros(d["shape"], dtype=d["dtype"]), 0)
it.invoke()
it.print_allocations()
"""

_TOTAL = re.compile(r"\[RecordingMicroAllocator\] Arena allocation (total|head|tail) (\d+) bytes")
_KIND = re.compile(r"\[RecordingMicroAllocator\] '([^']+)' used (\d+) bytes with alignment overhead "
                   r"\(requested (\d+) bytes for (\d+) ")


def parse_allocations(text: str) -> dict:
    """Parse `[RecordingMicroAllocator]` lines (TFLM's or ours)."""
    out: dict = {"kinds": {}}
    for line in text.splitlines():
        if m := _TOTAL.search(line):
            out[m.group(1)] = int(m.group(2))
        elif m := _KIND.search(line):
            out["kinds"][m.group(1)] = {"used": int(m.group(2)), "requested": int(m.group(3)),
                                        "count": int(m.group(4))}
    return out


def tflm_allocations(model_path, arena_size: int = 0) -> dict:
    """TFLM's RecordingMicroAllocator report: {total, head, tail, kinds}."""
    r = subprocess.run([sys.executable, "-c", _ALLOC_SCRIPT, str(model_path), str(arena_size)],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"TFLM failed on {model_path}: {r.stderr.strip()[-500:]}")
    out = parse_allocations(r.stderr + r.stdout)
    if "total" not in out:
        raise RuntimeError(f"no allocation lines from TFLM for {model_path}")
    return out
