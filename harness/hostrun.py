"""Build and run `bt_host_run` (the firmware runtime compiled for the host).

`build_host()` configures/builds once per build dir (cmake keeps it incremental)
under a file lock so pytest-xdist workers can share it.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
FIRMWARE = REPO / "firmware"

_DTYPES = {"FLOAT32": np.float32, "INT32": np.int32, "UINT8": np.uint8, "INT64": np.int64,
           "BOOL": np.bool_, "INT16": np.int16, "INT8": np.int8, "FLOAT64": np.float64,
           "UINT32": np.uint32, "UINT16": np.uint16, "UINT64": np.uint64, "FLOAT16": np.float16}


class HostRunError(RuntimeError):
    """bt_host_run reported `ERROR: ...` (or crashed); `.output` holds stdout+stderr."""

    def __init__(self, msg: str, output: str = "", returncode: int | None = None):
        super().__init__(msg)
        self.output = output
        self.returncode = returncode


def _need(tool: str, hint: str) -> None:
    if shutil.which(tool) is None:
        raise RuntimeError(f"{tool} not found: {hint}")


def build_dir(sanitize: bool = False, kernels: str = "ref") -> Path:
    name = "host" + ("-asan" if sanitize else "") + ("" if kernels == "ref" else f"-{kernels}")
    return REPO / "build" / name


_built: dict[tuple, Path] = {}


def build_host(sanitize: bool = False, kernels: str = "ref") -> Path:
    """Build bt_host_run (+ bt_fuzz); returns the bt_host_run path. Built once per process."""
    key = (sanitize, kernels)
    if key not in _built:
        _built[key] = _build(sanitize, kernels)
    return _built[key]


def _build(sanitize: bool, kernels: str) -> Path:
    _need("cmake", "apt-get install cmake")
    _need("cc", "apt-get install build-essential")
    bdir = build_dir(sanitize, kernels)
    bdir.mkdir(parents=True, exist_ok=True)
    with open(bdir.parent / f".{bdir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (bdir / "CMakeCache.txt").exists():
            cfg = ["cmake", "-S", str(FIRMWARE), "-B", str(bdir), "-DBT_BOARD=host",
                   f"-DBT_KERNELS={kernels}", f"-DBT_SANITIZE={'ON' if sanitize else 'OFF'}"]
            r = subprocess.run(cfg, capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError(f"cmake configure failed:\n{r.stdout}\n{r.stderr}")
        r = subprocess.run(["cmake", "--build", str(bdir), "-j2"], capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"host build failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")
    return bdir / "host" / "bt_host_run"


def run_raw(model_path, args=(), *, sanitize: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
    exe = build_host(sanitize)
    for attempt in range(3):
        try:
            return subprocess.run([str(exe), str(model_path), *map(str, args)], capture_output=True,
                                  text=True, timeout=timeout)
        except OSError:  # ETXTBSY/EACCES while another process relinks the binary
            if attempt == 2:
                raise
            time.sleep(1.0)
            _built.pop((sanitize, "ref"), None)
            exe = build_host(sanitize)
    raise AssertionError("unreachable")


_DESC = re.compile(r"^tensor (input|output) (\d+) type=(\w+) shape=([\d,]*) bytes=(\d+)$", re.M)


_described: dict[str, dict] = {}


def describe(model_path, *, sanitize: bool = False) -> dict:
    """Input/output tensor specs from bt_host_run --describe: {'input': [...], 'output': [...]}."""
    key = str(model_path)
    if key not in _described:
        _described[key] = _describe(model_path, sanitize)
    return _described[key]


def _describe(model_path, sanitize: bool) -> dict:
    r = run_raw(model_path, ["--describe"], sanitize=sanitize)
    _check(r)
    out = {"input": [], "output": []}
    for kind, _i, typ, shape, nbytes in _DESC.findall(r.stdout):
        out[kind].append({"dtype": _DTYPES[typ], "shape": tuple(int(s) for s in shape.split(",") if s),
                          "bytes": int(nbytes)})
    return out


def _check(r: subprocess.CompletedProcess) -> None:
    text = r.stdout + r.stderr
    m = re.search(r"^ERROR: (.*)$", r.stdout, re.M)
    if r.returncode != 0 or m:
        raise HostRunError(m.group(1) if m else f"bt_host_run exited {r.returncode}", text, r.returncode)


def run_host(model_path, inputs, *, sanitize: bool = False, arena: int | None = None,
             extra=()) -> list[np.ndarray]:
    """One inference through bt_runtime; returns the output tensors."""
    spec = describe(model_path, sanitize=sanitize)
    with tempfile.TemporaryDirectory() as td:
        args = []
        for i, x in enumerate(inputs):
            p = Path(td) / f"in{i}.bin"
            d = spec["input"][i]
            np.asarray(x, dtype=d["dtype"]).tofile(p)
            args += ["--input", p]
        outs = [Path(td) / f"out{i}.bin" for i in range(len(spec["output"]))]
        for p in outs:
            args += ["--output", p]
        if arena is not None:
            args += ["--arena", arena]
        r = run_raw(model_path, [*args, *extra], sanitize=sanitize)
        _check(r)
        return [np.fromfile(p, dtype=d["dtype"]).reshape(d["shape"]) for p, d in zip(outs, spec["output"])]


def run_host_many(model_path, input_sets, *, sanitize: bool = False) -> list[list[np.ndarray]]:
    """Many inferences in ONE bt_host_run process (--batch): input file i holds
    input i of every set back to back; outputs come back the same way."""
    spec = describe(model_path, sanitize=sanitize)
    n = len(input_sets)
    with tempfile.TemporaryDirectory() as td:
        args = ["--batch", n]
        for i, d in enumerate(spec["input"]):
            p = Path(td) / f"in{i}.bin"
            np.stack([np.asarray(xs[i], dtype=d["dtype"]).reshape(d["shape"]) for xs in input_sets]).tofile(p)
            args += ["--input", p]
        outs = [Path(td) / f"out{i}.bin" for i in range(len(spec["output"]))]
        for p in outs:
            args += ["--output", p]
        r = run_raw(model_path, args, sanitize=sanitize, timeout=600)
        _check(r)
        per_out = [np.fromfile(p, dtype=d["dtype"]).reshape((n, *d["shape"])) for p, d in zip(outs, spec["output"])]
        return [[o[k] for o in per_out] for k in range(n)]


def host_arena(model_path, *, sanitize: bool = False) -> dict:
    """Our arena figures: head, tail, total (= head + tail, TFLM's meaning) and
    needed (exact arena bytes at a 16-aligned address)."""
    r = run_raw(model_path, ["--arena-needed", "--print-allocations"], sanitize=sanitize)
    _check(r)
    from harness.golden import parse_allocations
    out = parse_allocations(r.stdout)
    m = re.search(r"^arena_needed (\d+)", r.stdout, re.M)
    out["needed"] = int(m.group(1))
    return out


def random_inputs(spec_or_model, seed: int = 0, *, sanitize: bool = False) -> list[np.ndarray]:
    """Deterministic random inputs covering each dtype's full range."""
    spec = spec_or_model if isinstance(spec_or_model, dict) else describe(spec_or_model, sanitize=sanitize)
    rng = np.random.default_rng(seed)
    out = []
    for d in spec["input"]:
        dt = np.dtype(d["dtype"])
        if dt.kind in "iu":
            info = np.iinfo(dt)
            out.append(rng.integers(info.min, info.max, size=d["shape"], endpoint=True, dtype=dt))
        else:
            out.append(rng.standard_normal(d["shape"]).astype(dt))
    return out
