"""Any .tflite on a board, checked byte for byte against the tflite-micro wheel.

`check_model(board, model)` draws deterministic random inputs matching the model's
input tensors, links them as the `BT_INPUT` blob of the `model_runner` app (one record
per iteration: every input's bytes back to back, in input order -- the layout
firmware/apps/model_runner/model_runner.c reads), builds the image with only the
model's kernels (harness.build passes BT_OPS), emulates it, and compares every byte of
every output of every PRED line with the wheel's outputs for the same record.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from harness import analyse, build, golden
from harness.errors import InputError

APP = "model_runner"
INPUT_DIR = build.BUILD_ROOT / "inputs"
MAX_CYCLES = 20_000_000_000   # budget only: the run ends on BOARDTWIN-EXIT


def random_inputs(model_path, seed: int = 0, n: int = 3) -> list[list[np.ndarray]]:
    """`n` records of one array per model input (dtype/shape from the wheel), drawn from
    numpy's PCG64 with `seed`: the same seed always gives the same bytes. Integers span
    their type's full range, floats [-1, 1), bools 0/1."""
    details = golden.input_details(model_path)
    if not details:
        raise InputError(f"{model_path}: the model has no inputs")
    rng = np.random.default_rng(seed)
    records = []
    for _ in range(n):
        rec = []
        for d in details:
            dt, shape = np.dtype(d["dtype"]), tuple(int(x) for x in d["shape"])
            if dt == np.bool_:
                a = rng.integers(0, 2, size=shape).astype(np.bool_)
            elif dt.kind in "iu":
                info = np.iinfo(dt)
                a = rng.integers(int(info.min), int(info.max), size=shape, dtype=dt,
                                 endpoint=True)
            elif dt.kind == "f":
                a = rng.uniform(-1.0, 1.0, size=shape).astype(dt)
            else:
                raise InputError(f"{model_path}: input dtype {dt} not supported by --check")
            rec.append(a)
        records.append(rec)
    return records


def input_blob(records: list[list[np.ndarray]]) -> bytes:
    """model_runner's BT_INPUT layout: record after record, inputs back to back (native
    little-endian bytes, which is what the Cortex-M tensors hold)."""
    return b"".join(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
                    for rec in records for a in rec)


def write_blob(data: bytes) -> Path:
    """Content-addressed file, so equal inputs reuse one build directory."""
    INPUT_DIR.mkdir(parents=True, exist_ok=True)
    path = INPUT_DIR / f"input-{hashlib.sha256(data).hexdigest()[:16]}.bin"
    if not path.is_file() or path.read_bytes() != data:
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def compare(expected: list[list[bytes]], preds: list[dict]) -> dict:
    """Byte-for-byte comparison of expected[i] (one bytes per output) with PRED i=<i>.
    Returns outputs_checked (output tensors compared), mismatches (list of
    {iteration, output, first_byte, got, want}) and bit_exact."""
    by_i = {p["i"]: p for p in preds}
    checked, mismatches = 0, []
    for i, want_outs in enumerate(expected):
        p = by_i.get(i)
        got_outs = p["outputs"] if p else []
        for o, want in enumerate(want_outs):
            got = got_outs[o] if o < len(got_outs) else None
            checked += 1
            if got != want:
                first = next((k for k in range(min(len(got or b""), len(want)))
                              if got[k] != want[k]), min(len(got or b""), len(want)))
                mismatches.append(dict(iteration=i, output=o, first_byte=first,
                                       got=None if got is None else got.hex(),
                                       want=want.hex()))
        if p and len(got_outs) != len(want_outs):
            mismatches.append(dict(iteration=i, output=None, first_byte=None,
                                   got=f"{len(got_outs)} outputs", want=f"{len(want_outs)} outputs"))
    return dict(outputs_checked=checked, mismatches=mismatches,
                bit_exact=checked > 0 and not mismatches)


def expected_outputs(model_path, records) -> list[list[bytes]]:
    """The wheel's outputs (TFLM reference kernels) for every record, as raw bytes.
    Like the firmware's loop -- one init, then Invoke after Invoke with no reset -- the
    wheel is reset once and then run on the records in order, so variable tensors
    (LSTM/SVDF state) carry over between records on both sides."""
    it = golden._cached_interpreter(str(model_path))
    details = golden.input_details(model_path)
    n_out = len(golden.output_details(model_path))
    it.reset()
    out = []
    for rec in records:
        for i, (x, d) in enumerate(zip(rec, details)):
            it.set_input(np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]), i)
        it.invoke()
        out.append([np.ascontiguousarray(it.get_output(o)).tobytes() for o in range(n_out)])
    return out


def load_inputs(model_path, path) -> list[list[np.ndarray]]:
    """Given inputs for --check: a .npz (arrays in model-input order by name sort, or named
    `input_<i>`) or a .npy (single-input models). Each array is one record shaped like the
    input, or a stack of records (leading axis). Values must fit the input's dtype."""
    path = Path(path)
    details = golden.input_details(model_path)
    if not path.is_file():
        raise InputError(f"{path}: input file does not exist")
    try:
        if path.suffix == ".npy":
            arrays = [np.load(path, allow_pickle=False)]
        else:
            with np.load(path, allow_pickle=False) as z:
                names = sorted(z.files, key=lambda n: (not n.startswith("input_"),
                                                       int(n[6:]) if n[6:].isdigit() else 0, n))
                arrays = [z[n] for n in names]
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: not a numpy .npy/.npz file ({exc})") from None
    if len(arrays) != len(details):
        raise InputError(f"{path}: {len(arrays)} array(s), the model has {len(details)} input(s)")
    stacks = []
    for k, (a, d) in enumerate(zip(arrays, details)):
        shape, dt = tuple(int(x) for x in d["shape"]), np.dtype(d["dtype"])
        if a.shape == shape:
            a = a[None]
        elif a.shape[1:] != shape:
            raise InputError(f"{path}: input {k} has shape {a.shape}, the model wants {shape} "
                             f"(or N x {shape})")
        if dt.kind in "iu" and a.size and (a.min() < np.iinfo(dt).min or a.max() > np.iinfo(dt).max):
            raise InputError(f"{path}: input {k} has values outside {dt}")
        stacks.append(a.astype(dt))
    n = {len(s) for s in stacks}
    if len(n) != 1:
        raise InputError(f"{path}: inputs have different record counts {sorted(n)}")
    return [[s[r] for s in stacks] for r in range(n.pop())]


def check_model(board: str, model_path, kernels: str = "ref", seed: int = 0, n_inputs: int = 3,
                *, records: list[list[np.ndarray]] | None = None, target: str = "emulated",
                on_line=None, max_cycles: int = MAX_CYCLES, extra: dict | None = None,
                _expected_hook=None) -> dict:
    """Build + run `model_path` on `board` with deterministic random inputs (or the given
    `records`) and compare every output byte with the wheel. Returns bit_exact,
    outputs_checked, mismatches and `record` (what was measured: arena, invoke cycles,
    exit code, log, image paths). `_expected_hook(expected) -> expected` lets tests
    corrupt the reference."""
    from harness.targets import get_target

    model_path = Path(model_path).resolve()
    if not model_path.is_file():
        raise InputError(f"{model_path}: model file does not exist")
    analyse.load(model_path)  # a damaged flatbuffer: one clear line before any building
    if records is None:
        if n_inputs < 1:
            raise InputError("n_inputs must be >= 1")
        records = random_inputs(model_path, seed, n_inputs)
    n_inputs = len(records)
    blob = write_blob(input_blob(records))
    from harness.run import build_and_run
    tgt = get_target(target, **({"max_cycles": max_cycles} if target == "emulated" else {}))
    image, res, log, _ = build_and_run(board, APP, model_path, tgt, kernels=kernels,
                                       iterations=n_inputs, input_blob=blob, extra=extra,
                                       on_line=on_line)
    expected = expected_outputs(model_path, records)
    if _expected_hook:
        expected = _expected_hook(expected)
    out = compare(expected, log.preds)
    clean = log.exit_code == 0 and not log.errors
    if not clean:
        out["bit_exact"] = False
    inv = log.phase("Invoke", "cycles")
    out["record"] = dict(
        model=str(model_path), board=board, kernels=kernels, seed=seed, n_inputs=n_inputs,
        exit_code=log.exit_code, errors=log.errors, stop_reason=res.stop_reason,
        preds=len(log.preds), arena=dict(log.arena),
        invoke_cycles_avg=inv["avg"] if inv else None,
        emu_cycles=res.meta.get("emu_cycles"), target=res.target, elf=str(image.elf), map=str(image.map), input_blob=str(blob),
        log="\n".join(res.lines))
    return out
