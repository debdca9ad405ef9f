"""Structure-aware fuzzing of the firmware's model reader + interpreter.

Mutants of every staged ``.tflite`` (``../shared/models`` + ``models/mnist``) are fed
in batches to ``bt_fuzz_run`` (firmware/fuzz, ASan + UBSan, no recovery). Each input is
classified as

* ``ok``          init and invoke returned BT_OK,
* ``clear_error`` init or invoke returned an error status (the wanted outcome for junk),
* ``crash``       sanitizer report, signal, or a fuzz-body contract assertion,
* ``hang``        no answer within the per-input time limit.

Crashing/hanging inputs are kept under ``build/fuzz/crashes/`` with the sanitizer output.

Two kinds of mutation (family names are the keys of :data:`FAMILIES`):

* byte level, guided by a map of the flatbuffer (where the uoffsets, vector lengths,
  vtables are): truncation, bit flips, special bytes, 32-bit boundary words, offsets
  redirected to themselves / backwards / to their parent (cycles) / past the end,
  inflated vector lengths, corrupt vtables, duplicated and removed chunks;
* semantic, through the tflite-micro wheel's flatbuffer object API: huge / negative
  dims, absurd ranks, tensor indices out of range, wrong tensor types, op graphs with
  cycles or double writes, unsupported / swapped opcodes, buffer indices out of range,
  garbage quantization and builtin options, extreme constant values (biases, pad amounts,
  axes, slice bounds), variable flags, graph input/output lists.

Seeds: the staged models plus one small valid model per operator they lack
(:func:`synthetic_seeds`), so mutants also start deep inside ADD, PAD, MEAN, ... kernels.

Entry points: :func:`run_fuzz` (``boardtwin bench fuzz``), :func:`run_batch` (one driver
process over many inputs; also used on a deliberately broken target by the tests),
:func:`run_libfuzzer` (coverage-guided run of the libFuzzer target), :func:`build`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import queue
import random
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from harness.errors import BuildError, ToolMissing

REPO = Path(__file__).resolve().parent.parent
FUZZ_SRC = REPO / "firmware" / "fuzz"
BUILD_ROOT = REPO / "build" / "fuzz"
CRASH_DIR = BUILD_ROOT / "crashes"
SHARED_MODELS = REPO.parent / "shared" / "models"
INSTALL_HINT = "apt-get install clang libclang-rt-14-dev"

PER_INPUT_TIMEOUT_S = 10      # the slowest staged model takes ~0.1 s under ASan
BATCH = 40                    # mutants per driver process (ASan start-up paid once)
HANG_EXIT = 75                # bt_fuzz_run's exit code when its alarm() fires

# Sanitizers must stop at the first report (the build already uses
# -fno-sanitize-recover) and must not write core files or symbolize slowly.
SAN_ENV = {
    "ASAN_OPTIONS": "abort_on_error=0:exitcode=86:detect_leaks=0:allocator_may_return_null=1:"
                    "handle_abort=1:disable_coredump=1:symbolize=1",
    "UBSAN_OPTIONS": "halt_on_error=1:exitcode=87:print_stacktrace=1:disable_coredump=1",
}


# ---------------------------------------------------------------------------- build

def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise ToolMissing(f"{tool} not found: {INSTALL_HINT}" if "clang" in tool
                          else f"{tool} not found: apt-get install {tool}")
    return path


_built: dict[tuple, dict] = {}


def build(compiler: str = "clang", libfuzzer: Optional[bool] = None) -> dict[str, Path]:
    """Configure + build firmware/fuzz (ASan/UBSan). Returns {'run': bt_fuzz_run,
    'libfuzzer': bt_fuzz_libfuzzer or None}. Incremental, locked for parallel callers."""
    if libfuzzer is None:
        libfuzzer = "clang" in Path(compiler).name
    key = (compiler, libfuzzer)
    if key in _built:
        return _built[key]
    _need(compiler)
    _need("cmake")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    bdir = BUILD_ROOT / (Path(compiler).name + ("-libfuzzer" if libfuzzer else ""))
    bdir.mkdir(parents=True, exist_ok=True)
    with open(BUILD_ROOT / f".{bdir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (bdir / "CMakeCache.txt").exists():
            r = subprocess.run(["cmake", "-S", str(FUZZ_SRC), "-B", str(bdir), *gen,
                                f"-DCMAKE_C_COMPILER={compiler}",
                                f"-DBT_FUZZ_LIBFUZZER={'ON' if libfuzzer else 'OFF'}"],
                               capture_output=True, text=True)
            if r.returncode:
                shutil.rmtree(bdir, ignore_errors=True)
                raise BuildError(f"fuzz configure failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        r = subprocess.run(["cmake", "--build", str(bdir), "-j2"], capture_output=True, text=True)
        if r.returncode:
            text = r.stdout + r.stderr
            if re.search(r"libclang_rt\.(fuzzer|asan|ubsan)|fuzzer.*not found|cannot find .*clang_rt", text):
                raise ToolMissing(f"clang sanitizer/libFuzzer runtime missing: {INSTALL_HINT}\n{text[-2000:]}")
            raise BuildError(f"fuzz build failed:\n{text[-4000:]}")
    out = {"run": bdir / "bt_fuzz_run", "libfuzzer": (bdir / "bt_fuzz_libfuzzer") if libfuzzer else None}
    _built[key] = out
    return out


# ---------------------------------------------------------------- seed models

def seed_models() -> list[Path]:
    """Every staged model plus the repo's own MNIST model (sorted, stable order)."""
    paths = sorted(SHARED_MODELS.rglob("*.tflite")) if SHARED_MODELS.is_dir() else []
    paths += sorted((REPO / "models" / "mnist").glob("*.tflite"))
    if not paths:
        raise FileNotFoundError(f"no seed models under {SHARED_MODELS} or models/mnist")
    return paths


SYNTH_DIR = BUILD_ROOT / "seeds"


def synthetic_seeds() -> list[Path]:
    """One small valid int8 model per registered operator the staged models lack (ADD,
    MUL, CONCATENATION, STRIDED_SLICE, PACK, SQUEEZE, SHAPE, PAD, MEAN, LOGISTIC, TANH,
    RELU, RELU6, QUANTIZE, DEQUANTIZE), so mutants reach those kernels' prepare/eval with
    nearly-right inputs. Built once with the wheel's model editor into build/fuzz/seeds."""
    SYNTH_DIR.mkdir(parents=True, exist_ok=True)
    with open(BUILD_ROOT / ".seeds.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = SYNTH_DIR / ".complete"
        if not stamp.exists():
            for name, data in _synth_models().items():
                (SYNTH_DIR / f"op_{name}.tflite").write_bytes(data)
            stamp.write_text("ok\n")
    return sorted(SYNTH_DIR.glob("op_*.tflite"))


def _synth_models() -> dict[str, bytes]:
    import numpy as np
    from tflite_micro.tensorflow.lite.micro.compression import model_editor as me
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl
    T, OP, BO = tfl.TensorType, tfl.BuiltinOperator, tfl.BuiltinOptions

    def act(shape, s=0.05, z=-3, name="x"):
        return me.Tensor(shape=shape, dtype=T.INT8, quantization=me.Quantization(s, z), name=name)

    def i32(values, name):
        arr = np.array(values, np.int32)
        return me.Tensor(shape=arr.shape, dtype=T.INT32, data=arr, name=name)

    def one(code, ins, outs, graph_in, otype=0, opts=None):
        o = me.Operator(opcode=code, inputs=ins, outputs=outs)
        if opts is not None:
            o._fb.builtinOptionsType, o._fb.builtinOptions = otype, opts
        return bytes(me.Model(subgraphs=[me.Subgraph(operators=[o], inputs=graph_in, outputs=outs)]).build())

    def opts(cls, **kw):
        o = cls()
        for k, v in kw.items():
            setattr(o, k, v)
        return o

    out = {}
    for name, code, ot, cls in (("add", OP.ADD, BO.AddOptions, tfl.AddOptionsT),
                                ("mul", OP.MUL, BO.MulOptions, tfl.MulOptionsT)):
        a, b = act((1, 4, 1, 6), name="a"), act((1, 1, 3, 6), 0.03, 5, name="b")
        out[name] = one(code, [a, b], [act((1, 4, 3, 6), 0.1, 2, "y")], [a, b], ot, cls())
    a, b = act((2, 3), name="a"), act((2, 5), name="b")
    out["concatenation"] = one(OP.CONCATENATION, [a, b], [act((2, 8), name="y")], [a, b],
                               BO.ConcatenationOptions, opts(tfl.ConcatenationOptionsT, axis=1))
    x = act((1, 6, 8))
    out["strided_slice"] = one(OP.STRIDED_SLICE, [x, i32([0, 1, 0], "b"), i32([1, 6, 8], "e"), i32([1, 2, 2], "s")],
                               [act((1, 3, 4), name="y")], [x], BO.StridedSliceOptions, tfl.StridedSliceOptionsT())
    a, b = act((3, 4), name="a"), act((3, 4), name="b")
    out["pack"] = one(OP.PACK, [a, b], [act((3, 2, 4), name="y")], [a, b], BO.PackOptions,
                      opts(tfl.PackOptionsT, valuesCount=2, axis=1))
    x = act((1, 5, 1, 3))
    out["squeeze"] = one(OP.SQUEEZE, [x], [act((5, 3), name="y")], [x], BO.SqueezeOptions,
                         opts(tfl.SqueezeOptionsT, squeezeDims=[0, 2]))
    x = act((2, 3, 4))
    out["shape"] = one(OP.SHAPE, [x], [me.Tensor(shape=(3,), dtype=T.INT32, name="y")], [x], BO.ShapeOptions,
                       opts(tfl.ShapeOptionsT, outType=T.INT32))
    x = act((1, 4, 4, 2))
    out["pad"] = one(OP.PAD, [x, i32([[0, 0], [1, 1], [0, 1], [0, 0]], "p")], [act((1, 6, 5, 2), name="y")], [x],
                     BO.PadOptions, tfl.PadOptionsT())
    x = act((1, 4, 4, 3))
    out["mean"] = one(OP.MEAN, [x, i32([1, 2], "ax")], [act((1, 1, 1, 3), 0.04, 1, "y")], [x],
                      BO.ReducerOptions, opts(tfl.ReducerOptionsT, keepDims=True))
    for name, code, s, z in (("logistic", OP.LOGISTIC, 1 / 256, -128), ("tanh", OP.TANH, 1 / 128, 0),
                             ("relu", OP.RELU, 0.03, -128), ("relu6", OP.RELU6, 0.03, -128)):
        x = act((1, 16))
        out[name] = one(code, [x], [act((1, 16), s, z, "y")], [x])
    x = me.Tensor(shape=(1, 16), dtype=T.FLOAT32, name="x")
    out["quantize"] = one(OP.QUANTIZE, [x], [act((1, 16), 0.02, 3, "y")], [x])
    x = act((1, 16))
    out["dequantize"] = one(OP.DEQUANTIZE, [x], [me.Tensor(shape=(1, 16), dtype=T.FLOAT32, name="y")], [x])
    return out


# ---------------------------------------------------------------- flatbuffer map

# The part of tflite/schema.fbs the runtime reads: field index -> kind.
#   ("s", size) scalar  ("str",) string  ("vs", elem) vector of scalars
#   ("t", name) table   ("vt", name) vector of tables   name None = unknown table
_SCHEMA: dict[str, dict[int, tuple]] = {
    "Model": {0: ("s", 4), 1: ("vt", "OperatorCode"), 2: ("vt", "SubGraph"), 3: ("str",),
              4: ("vt", "Buffer"), 5: ("vs", 4), 6: ("vt", "Metadata"), 7: ("vt", None)},
    "OperatorCode": {0: ("s", 1), 1: ("str",), 2: ("s", 4), 3: ("s", 4)},
    "SubGraph": {0: ("vt", "Tensor"), 1: ("vs", 4), 2: ("vs", 4), 3: ("vt", "Operator"), 4: ("str",)},
    "Tensor": {0: ("vs", 4), 1: ("s", 1), 2: ("s", 4), 3: ("str",), 4: ("t", "Quant"), 5: ("s", 1),
               6: ("t", None), 7: ("vs", 4), 8: ("s", 1)},
    "Quant": {0: ("vs", 4), 1: ("vs", 4), 2: ("vs", 4), 3: ("vs", 8), 4: ("s", 1), 5: ("t", None),
              6: ("s", 4)},
    "Operator": {0: ("s", 4), 1: ("vs", 4), 2: ("vs", 4), 3: ("s", 1), 4: ("t", None), 5: ("vs", 1),
                 6: ("s", 1), 7: ("vs", 1), 8: ("vs", 4), 9: ("s", 8), 10: ("s", 8), 11: ("s", 1),
                 12: ("t", None)},
    "Buffer": {0: ("vs", 1), 1: ("s", 8), 2: ("s", 8)},
    "Metadata": {0: ("str",), 1: ("s", 4)},
}


@dataclass
class FbMap:
    """Positions of the structural words of one (valid) flatbuffer."""
    uoffsets: list = field(default_factory=list)   # (pos, owner_pos): uoffset fields + table-vector slots
    vec_lens: list = field(default_factory=list)   # pos of a vector/string length word
    tables: list = field(default_factory=list)     # (table_pos, vtable_pos)
    scalars: list = field(default_factory=list)    # (pos, size)


def map_flatbuffer(buf: bytes) -> FbMap:
    """Walk a .tflite with the schema subset above; tolerant of anything odd (it is only
    a guide for where to aim mutations)."""
    m = FbMap()
    n = len(buf)
    seen: set[int] = set()

    def u32(p):
        return struct.unpack_from("<I", buf, p)[0] if 0 <= p <= n - 4 else None

    def table(pos: int, name: Optional[str], depth: int = 0):
        if pos in seen or depth > 8 or not 0 <= pos <= n - 4:
            return
        seen.add(pos)
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        if not 0 <= vt <= n - 4:
            return
        vt_len, obj_len = struct.unpack_from("<HH", buf, vt)
        m.tables.append((pos, vt))
        for k in range((vt_len - 4) // 2):
            if vt + 4 + 2 * k + 2 > n:
                break
            off = struct.unpack_from("<H", buf, vt + 4 + 2 * k)[0]
            if not off or off >= obj_len:
                continue
            fpos = pos + off
            kind = _SCHEMA.get(name, {}).get(k) if name else None
            if kind is None:
                m.scalars.append((fpos, min(4, obj_len - off)))
                continue
            if kind[0] == "s":
                m.scalars.append((fpos, kind[1]))
                continue
            m.uoffsets.append((fpos, pos))
            tgt = fpos + (u32(fpos) or 0)
            if kind[0] == "t":
                table(tgt, kind[1], depth + 1)
            elif u32(tgt) is not None:
                m.vec_lens.append(tgt)
                if kind[0] == "vt":
                    cnt = u32(tgt)
                    for i in range(min(cnt, 4096)):
                        slot = tgt + 4 + 4 * i
                        if u32(slot) is None:
                            break
                        m.uoffsets.append((slot, tgt))
                        table(slot + u32(slot), kind[1], depth + 1)

    try:
        if n >= 8:
            m.uoffsets.append((0, 0))
            table(u32(0), "Model")
    except struct.error:
        pass
    return m


# ---------------------------------------------------------------- byte mutators
# Each returns (mutant bytes, description) or None when it does not apply.

_BOUNDARY32 = [0, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 1, 0xFFFF, 0x10000, 0x3FFFFFFF]


def _put32(b: bytearray, pos: int, v: int) -> None:
    b[pos:pos + 4] = struct.pack("<I", v & 0xFFFFFFFF)


def _fb_map(ctx) -> FbMap:
    if ctx.fbmap is None:
        ctx.fbmap = map_flatbuffer(ctx.data)
    return ctx.fbmap


def m_truncate(ctx, rng):
    n = len(ctx.data)
    r = rng.random()
    cut = rng.randrange(0, min(n, 64)) if r < 0.2 else (n - rng.randint(1, min(n, 16)) if r < 0.4
                                                          else rng.randrange(0, n))
    return ctx.data[:cut], f"truncate to {cut} of {n}"


def m_bitflip(ctx, rng):
    b = bytearray(ctx.data)
    k = rng.choice([1, 1, 2, 4, 8, 32])
    pos = [rng.randrange(len(b)) for _ in range(k)]
    for p in pos:
        b[p] ^= 1 << rng.randrange(8)
    return bytes(b), f"flip {k} bits at {pos[:4]}"


def m_byte_set(ctx, rng):
    b = bytearray(ctx.data)
    k = rng.choice([1, 2, 4, 8, 16])
    v = rng.choice([0x00, 0xFF, 0x7F, 0x80])
    fm = _fb_map(ctx)
    pos = []
    for _ in range(k):
        # Half aimed at structure (scalars, offsets), half anywhere.
        if fm.scalars and rng.random() < 0.5:
            p, sz = rng.choice(fm.scalars)
            p += rng.randrange(sz)
        else:
            p = rng.randrange(len(b))
        if p < len(b):
            b[p] = v
            pos.append(p)
    return bytes(b), f"set {len(pos)} bytes to 0x{v:02x} at {pos[:4]}"


def m_word_boundary(ctx, rng):
    b = bytearray(ctx.data)
    fm = _fb_map(ctx)
    n = len(b)
    cands = ([p for p, _ in fm.uoffsets] + fm.vec_lens + [p for p, s in fm.scalars if s >= 4])
    p = rng.choice(cands) if cands and rng.random() < 0.7 else rng.randrange(0, n - 3) & ~3
    v = rng.choice(_BOUNDARY32 + [n, n + 1, n - p, n - p - 4, n * 2])
    _put32(b, p, v)
    return bytes(b), f"word at {p} = 0x{v & 0xFFFFFFFF:08x}"


def m_offset(ctx, rng):
    """Redirect a uoffset: to itself (0), backwards (wrap-around), onto its owner
    (table/vector -> cycle), just past the end, or onto another table."""
    fm = _fb_map(ctx)
    if not fm.uoffsets:
        return None
    b = bytearray(ctx.data)
    n = len(b)
    p, owner = rng.choice(fm.uoffsets)
    how = rng.choice(["self", "backward", "owner", "past_end", "other_table", "end_minus"])
    if how == "self":
        v = 0
    elif how == "backward":
        v = (-rng.choice([4, 8, 12, 16, p])) & 0xFFFFFFFF
    elif how == "owner":
        v = (owner - p) & 0xFFFFFFFF
    elif how == "past_end":
        v = n - p + rng.choice([0, 4, 1 << 20])
    elif how == "end_minus":
        v = max(0, n - p - rng.choice([1, 2, 4, 6, 8]))
    else:
        tpos = rng.choice(fm.tables)[0] if fm.tables else 0
        v = (tpos - p) & 0xFFFFFFFF
    _put32(b, p, v)
    return bytes(b), f"uoffset at {p} -> {how} (0x{v:08x})"


def m_vector_length(ctx, rng):
    fm = _fb_map(ctx)
    if not fm.vec_lens:
        return None
    b = bytearray(ctx.data)
    p = rng.choice(fm.vec_lens)
    old = struct.unpack_from("<I", b, p)[0]
    n = len(b)
    v = rng.choice([n, n // 4, n - p, (n - p) // 4, 0xFFFFFFFF, 0x40000000, 0x3FFFFFFF,
                    old + 1, old + 2, old * 2 + 1, 0, 0x10000, 256])
    _put32(b, p, v)
    return bytes(b), f"vector length at {p}: {old} -> {v}"


def m_vtable(ctx, rng):
    """Corrupt a vtable (its length, the object length, a field slot) or the table's
    soffset (vtable onto the table itself, another vtable, outside the file)."""
    fm = _fb_map(ctx)
    if not fm.tables:
        return None
    b = bytearray(ctx.data)
    n = len(b)
    tpos, vt = rng.choice(fm.tables)
    vt_len = struct.unpack_from("<H", b, vt)[0]
    how = rng.choice(["vt_len", "obj_len", "slot", "soffset"])
    if how == "vt_len":
        v = rng.choice([0, 1, 2, 3, 5, 0xFFFF, 0xFFFE, vt_len + 2, vt_len + 64])
        struct.pack_into("<H", b, vt, v)
    elif how == "obj_len":
        v = rng.choice([0, 1, 3, 4, 0xFFFF, 0x8000])
        struct.pack_into("<H", b, vt + 2, v)
    elif how == "slot" and vt_len > 4:
        k = rng.randrange((vt_len - 4) // 2)
        v = rng.choice([1, 2, 3, 0xFFFF, 0x8000, 4, 0x7FFF])
        if vt + 4 + 2 * k + 2 <= n:
            struct.pack_into("<H", b, vt + 4 + 2 * k, v)
    else:
        other = rng.choice(fm.tables)[1]
        v = rng.choice([0, tpos - other, tpos + 4, -(n - tpos), 0x7FFFFFFF, -0x80000000, 2, -2])
        struct.pack_into("<i", b, tpos, max(-0x80000000, min(0x7FFFFFFF, v)))
    return bytes(b), f"vtable of table {tpos} (vt {vt}): {how} = {v}"


def m_chunk_dup(ctx, rng):
    n = len(ctx.data)
    a = rng.randrange(n)
    ln = rng.randint(1, min(n - a, rng.choice([4, 16, 256, 4096])))
    at = rng.randrange(n + 1)
    if rng.random() < 0.5:
        at &= ~3
    chunk = ctx.data[a:a + ln]
    return ctx.data[:at] + chunk + ctx.data[at:], f"duplicate [{a}:{a + ln}] at {at}"


def m_chunk_remove(ctx, rng):
    n = len(ctx.data)
    a = rng.randrange(n)
    ln = rng.randint(1, min(n - a, rng.choice([1, 4, 16, 256, 4096])))
    return ctx.data[:a] + ctx.data[a + ln:], f"remove [{a}:{a + ln}]"


# ---------------------------------------------------------------- semantic mutators
# Each mutates a fresh ModelT in place and returns a description (None: not applicable).

_I32_MAX, _I32_MIN = 0x7FFFFFFF, -0x80000000
_HUGE = [_I32_MAX, 1 << 30, 1 << 24, 1 << 20, 65536, 65535, 4097]


def _sg(m):
    return m.subgraphs[0] if m.subgraphs else None


def _pick_tensor(m, rng, pred=None):
    sg = _sg(m)
    if not sg or not sg.tensors:
        return None, None
    idx = [i for i, t in enumerate(sg.tensors) if pred is None or pred(t)]
    if not idx:
        return None, None
    i = rng.choice(idx)
    return i, sg.tensors[i]


def _shape(t) -> list[int]:
    return [int(x) for x in t.shape] if t.shape is not None else []


def s_huge_dim(m, rng):
    i, t = _pick_tensor(m, rng)
    if t is None:
        return None
    shape = _shape(t) or [1]
    if rng.random() < 0.3:
        shape = [rng.choice(_HUGE) for _ in range(rng.randint(2, 8))]
    else:
        shape[rng.randrange(len(shape))] = rng.choice(_HUGE + [0])
    t.shape = shape
    return f"tensor {i} shape -> {shape}"


def s_negative_dim(m, rng):
    i, t = _pick_tensor(m, rng)
    if t is None:
        return None
    shape = _shape(t) or [1]
    shape[rng.randrange(len(shape))] = rng.choice([-1, -2, _I32_MIN, -65536])
    t.shape = shape
    return f"tensor {i} shape -> {shape}"


def s_rank(m, rng):
    i, t = _pick_tensor(m, rng)
    if t is None:
        return None
    how = rng.choice(["scalar", "deep", "drop", "add"])
    shape = _shape(t)
    if how == "scalar":
        shape = []
    elif how == "deep":
        shape = [1] * rng.choice([9, 12, 64, 255, 300]) + shape
    elif how == "drop" and shape:
        shape = shape[1:]
    else:
        shape = shape + [1]
    t.shape = shape
    return f"tensor {i} rank -> {len(shape)} ({how})"


def s_tensor_index(m, rng):
    sg = _sg(m)
    if not sg:
        return None
    n = len(sg.tensors or [])
    bad = rng.choice([n, n + 1, -2, _I32_MAX, _I32_MIN, 65535, 65536, -1])
    lists = []
    for k, op in enumerate(sg.operators or []):
        lists += [(f"op {k} inputs", op, "inputs"), (f"op {k} outputs", op, "outputs")]
    lists += [("graph inputs", sg, "inputs"), ("graph outputs", sg, "outputs")]
    what, obj, attr = rng.choice(lists)
    vals = [int(x) for x in getattr(obj, attr)] if getattr(obj, attr) is not None else []
    if vals and rng.random() < 0.8:
        vals[rng.randrange(len(vals))] = bad
    else:
        vals.append(bad)
    setattr(obj, attr, vals)
    return f"{what} -> {vals[:8]}"


def s_tensor_type(m, rng):
    i, t = _pick_tensor(m, rng)
    if t is None:
        return None
    old = t.type
    t.type = rng.choice(list(range(0, 19)) + [19, 20, 64, 127, -1, -128])
    return f"tensor {i} type {old} -> {t.type}"


def s_graph_cycle(m, rng):
    """Reads before writes / cycles / double writes in the op graph."""
    sg = _sg(m)
    if not sg or not sg.operators:
        return None
    ops = sg.operators
    how = rng.choice(["reverse", "self_loop", "back_edge", "double_write", "write_input", "write_const"])
    if how == "reverse" and len(ops) > 1:
        sg.operators = list(reversed(ops))
        return "operators reversed"
    a = rng.randrange(len(ops))
    op = ops[a]
    ins = [int(x) for x in op.inputs] if op.inputs is not None else []
    outs = [int(x) for x in op.outputs] if op.outputs is not None else []
    if not outs:
        return None
    if how in ("self_loop", "reverse"):
        if not ins:
            return None
        ins[rng.randrange(len(ins))] = outs[0]                  # op reads its own output
    elif how == "back_edge":
        b = rng.randrange(a, len(ops))                          # read a later op's output
        later = ops[b].outputs
        if later is None or not len(later) or not ins:
            return None
        ins[rng.randrange(len(ins))] = int(later[0])
    elif how == "double_write":
        b = rng.randrange(len(ops))
        if ops[b].outputs is None or not len(ops[b].outputs):
            return None
        outs[0] = int(ops[b].outputs[0])
    elif how == "write_input":
        if sg.inputs is None or not len(sg.inputs):
            return None
        outs[0] = int(sg.inputs[0])
    else:
        consts = [i for i, t in enumerate(sg.tensors or [])
                  if t.buffer and t.buffer < len(m.buffers or []) and m.buffers[t.buffer].data is not None
                  and len(m.buffers[t.buffer].data)]
        if not consts:
            return None
        outs[0] = rng.choice(consts)
    op.inputs, op.outputs = ins, outs
    return f"op {a}: {how} (inputs {ins[:6]}, outputs {outs[:4]})"


def s_opcode(m, rng):
    if not m.operatorCodes:
        return None
    how = rng.choice(["builtin", "deprecated", "custom", "index"])
    if how == "index" and _sg(m) and _sg(m).operators:
        op = rng.choice(_sg(m).operators)
        op.opcodeIndex = rng.choice([len(m.operatorCodes), len(m.operatorCodes) + 7, 0xFFFFFFFF, 0x80000000])
        return f"opcode_index -> {op.opcodeIndex}"
    k = rng.randrange(len(m.operatorCodes))
    oc = m.operatorCodes[k]
    if how == "deprecated":
        oc.deprecatedBuiltinCode = rng.choice([-1, -128, 127, 32, rng.randrange(128)])
        return f"opcode {k} deprecated_builtin_code -> {oc.deprecatedBuiltinCode}"
    if how == "custom":
        oc.builtinCode, oc.deprecatedBuiltinCode = 32, 32
        oc.customCode = rng.choice([b"", b"X" * 300, b"\xff\x00abc", None])
        return f"opcode {k} -> CUSTOM {oc.customCode!r:.40}"
    oc.builtinCode = rng.choice([rng.randrange(0, 210), -1, _I32_MAX, _I32_MIN, 255, 256, 10000])
    return f"opcode {k} builtin_code -> {oc.builtinCode}"


def _registered_codes() -> list[int]:
    """Builtin codes the runtime registers (kernels/ops.def), via the schema's names."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl
    alias = {"pool_avg": "AVERAGE_POOL_2D", "pool_max": "MAX_POOL_2D"}
    names = re.findall(r"^BT_OP\((\w+)\)", (REPO / "firmware/runtime/kernels/ops.def").read_text(), re.M)
    codes = [getattr(tfl.BuiltinOperator, alias.get(n, n.upper()), None) for n in names]
    return sorted({c for c in codes if c is not None})


def s_op_swap(m, rng):
    """Give an operator another REGISTERED kernel: that kernel's prepare must reject
    tensors/options shaped for a different op."""
    if not m.operatorCodes:
        return None
    k = rng.randrange(len(m.operatorCodes))
    oc = m.operatorCodes[k]
    code = rng.choice(_registered_codes())
    oc.builtinCode = code
    oc.deprecatedBuiltinCode = min(code, 127)
    return f"opcode {k} -> registered op {code}"


def s_buffer_index(m, rng):
    nb = len(m.buffers or [])
    how = rng.choice(["index", "index", "other", "short", "external"])
    i, t = _pick_tensor(m, rng)
    if t is None:
        return None
    if how == "index":
        t.buffer = rng.choice([nb, nb + 1, 0xFFFFFFFF, 0x80000000, 65536])
        return f"tensor {i} buffer -> {t.buffer} ({nb} buffers)"
    if how == "other" and nb > 1:
        t.buffer = rng.randrange(nb)
        return f"tensor {i} buffer -> {t.buffer} (another tensor's data)"
    if not nb:
        return None
    j = t.buffer if t.buffer and t.buffer < nb else rng.randrange(nb)
    buf = m.buffers[j]
    if how == "short" and buf.data is not None and len(buf.data):
        buf.data = buf.data[:rng.randrange(len(buf.data))]
        return f"buffer {j} data cut to {len(buf.data)} bytes"
    buf.data = None
    buf.offset = rng.choice([1, 2, 8, 1 << 20, 0xFFFFFFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF])
    buf.size = rng.choice([1, 16, 1 << 20, 0xFFFFFFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF])
    return f"buffer {j} external offset={buf.offset} size={buf.size}"


def s_quant(m, rng):
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl
    i, t = _pick_tensor(m, rng)
    if t is None:
        return None
    q = t.quantization
    if q is None:
        q = t.quantization = tfl.QuantizationParametersT()
    how = rng.choice(["scale", "zero_point", "axis", "count", "none"])
    if how == "scale":
        s = [float(x) for x in q.scale] if q.scale is not None and len(q.scale) else [1.0]
        s[rng.randrange(len(s))] = rng.choice([0.0, -1.0, float("nan"), float("inf"), -float("inf"),
                                               1e30, 1e-40, 3.4e38, 1e-30, 65536.0])
        q.scale = s
        return f"tensor {i} scale -> {s[:4]}"
    if how == "zero_point":
        z = [int(x) for x in q.zeroPoint] if q.zeroPoint is not None and len(q.zeroPoint) else [0]
        z[rng.randrange(len(z))] = rng.choice([128, -129, 255, 256, -32769, 32768, 1 << 31, -(1 << 31) - 1,
                                               (1 << 40), -(1 << 62), _I32_MAX, _I32_MIN])
        q.zeroPoint = z
        if q.scale is None or len(q.scale) != len(z):
            q.scale = [0.05] * len(z)
        return f"tensor {i} zero_point -> {z[:4]}"
    if how == "axis":
        q.quantizedDimension = rng.choice([1, 2, 3, 4, 7, 8, 100, 255, 256, -1, _I32_MAX])
        return f"tensor {i} quantized_dimension -> {q.quantizedDimension}"
    if how == "count":
        k = rng.choice([0, 2, 3, 7, 1000])
        q.scale = [0.1] * k
        q.zeroPoint = [0] * (k if rng.random() < 0.7 else k + 1)
        return f"tensor {i} {k} scales / {len(q.zeroPoint)} zero points"
    t.quantization = None
    return f"tensor {i} quantization removed"


def _option_fields(obj) -> list[str]:
    return [k for k, v in vars(obj).items()
            if isinstance(v, (int, float, bool)) or (v is not None and hasattr(v, "__len__"))]


def s_options(m, rng):
    """Garbage in one builtin-options field (strides 0, huge filters, NaN beta, bad
    axis...) or a mismatched options union type."""
    sg = _sg(m)
    ops = [op for op in (sg.operators or [])] if sg else []
    if not ops:
        return None
    k = rng.randrange(len(ops))
    op = ops[k]
    if op.builtinOptions is None or rng.random() < 0.25:
        old = op.builtinOptionsType
        op.builtinOptionsType = rng.choice([0, 1, 2, 3, 4, 5, 8, 9, 17, 19, 29, 60, 126, 127, 200, 255])
        if op.builtinOptions is None:
            return f"op {k} options type {old} -> {op.builtinOptionsType} (no table)" if old != op.builtinOptionsType else None
        return f"op {k} options type {old} -> {op.builtinOptionsType}"
    fields = _option_fields(op.builtinOptions)
    if not fields:
        return None
    f = rng.choice(fields)
    v = getattr(op.builtinOptions, f)
    if isinstance(v, bool) or (isinstance(v, int) and f.lower().endswith(("function", "padding", "type"))):
        nv = rng.choice([0, 1, 2, 3, 5, 6, 7, 100, 127, 255])
    elif isinstance(v, int):
        nv = rng.choice([0, -1, 2, 1 << 16, _I32_MAX, _I32_MIN, 127, 255])
    elif isinstance(v, float):
        nv = rng.choice([0.0, -1.0, float("nan"), float("inf"), 1e30, -1e30, 1e-45])
    else:
        nv = [rng.choice([0, -1, _I32_MAX, _I32_MIN, 1 << 20]) for _ in range(rng.choice([0, 1, 3, 9]))]
    setattr(op.builtinOptions, f, nv)
    return f"op {k} {type(op.builtinOptions).__name__}.{f} -> {nv}"


def s_variable(m, rng):
    i, t = _pick_tensor(m, rng)
    if t is None:
        return None
    t.isVariable = not t.isVariable
    return f"tensor {i} is_variable -> {t.isVariable}"


def s_io_list(m, rng):
    sg = _sg(m)
    if not sg:
        return None
    n = len(sg.tensors or [])
    how = rng.choice(["no_inputs", "no_outputs", "dup", "const_io", "many", "no_ops", "no_tensors",
                      "no_subgraphs", "no_buffers"])
    if how == "no_inputs":
        sg.inputs = []
    elif how == "no_outputs":
        sg.outputs = []
    elif how == "dup" and sg.outputs is not None and len(sg.outputs):
        sg.outputs = [int(sg.outputs[0])] * 3
        if sg.inputs is not None and len(sg.inputs):
            sg.inputs = [int(sg.inputs[0])] * 2
    elif how == "const_io" and n:
        attr = rng.choice(["inputs", "outputs"])
        setattr(sg, attr, [rng.randrange(n)])
    elif how == "many" and n:
        sg.outputs = [rng.randrange(n) for _ in range(rng.choice([300, 70000]))]
    elif how == "no_ops":
        sg.operators = []
    elif how == "no_tensors":
        sg.tensors = []
    elif how == "no_subgraphs":
        m.subgraphs = []
    elif how == "no_buffers":
        m.buffers = []
    else:
        return None
    return f"subgraph {how}"


def s_const_data(m, rng):
    """Extreme VALUES in a constant tensor: int32 biases at INT32_MIN/MAX, and above all
    the small int32 tensors kernels read at prepare (pad amounts, mean axes, slice
    begin/end/strides, reshape shapes) set negative / huge / out of rank."""
    import numpy as np
    nb = len(m.buffers or [])

    def const(t):
        return 0 < t.buffer < nb and m.buffers[t.buffer].data is not None and len(m.buffers[t.buffer].data)
    i, t = _pick_tensor(m, rng, const)
    if t is None:
        return None
    dt = {2: np.int32, 9: np.int8, 7: np.int16, 0: np.float32, 4: np.int64, 3: np.uint8}.get(t.type, np.uint8)
    raw = np.array(m.buffers[t.buffer].data, dtype=np.uint8)
    n = len(raw) // np.dtype(dt).itemsize
    if not n:
        return None
    vals = raw[:n * np.dtype(dt).itemsize].view(dt).copy()
    info = np.finfo(dt) if dt == np.float32 else np.iinfo(dt)
    pool = ([np.nan, np.inf, -np.inf, 1e30, -1e30, 0.0] if dt == np.float32 else
            [info.min, info.max, -1, 0, 1, 7, 9, 65536 % (int(info.max) + 1)])
    k = n if rng.random() < 0.2 else rng.randint(1, min(n, 4))
    for j in (range(n) if k == n else rng.sample(range(n), k)):
        vals[j] = pool[rng.randrange(len(pool))]
    raw[:n * np.dtype(dt).itemsize] = vals.view(np.uint8)
    m.buffers[t.buffer].data = raw
    return f"tensor {i} ({np.dtype(dt).name}) {k} constant values -> extremes"


BYTE_FAMILIES: dict[str, Callable] = {
    "truncate": m_truncate, "bitflip": m_bitflip, "byte_set": m_byte_set,
    "word_boundary": m_word_boundary, "offset": m_offset, "vector_length": m_vector_length,
    "vtable": m_vtable, "chunk_dup": m_chunk_dup, "chunk_remove": m_chunk_remove,
}
SEMANTIC_FAMILIES: dict[str, Callable] = {
    "huge_dim": s_huge_dim, "negative_dim": s_negative_dim, "rank": s_rank,
    "tensor_index": s_tensor_index, "tensor_type": s_tensor_type, "graph_cycle": s_graph_cycle,
    "opcode": s_opcode, "op_swap": s_op_swap, "buffer_index": s_buffer_index, "quant": s_quant,
    "options": s_options, "variable": s_variable, "io_list": s_io_list, "const_data": s_const_data,
}
FAMILIES = list(BYTE_FAMILIES) + list(SEMANTIC_FAMILIES)


# ---------------------------------------------------------------- mutant generation

@dataclass
class _Seed:
    path: Path
    data: bytes
    fbmap: Optional[FbMap] = None
    model: Optional[bytes] = None  # pickled ModelT: unpickling is a cheaper copy than deepcopy


_seed_cache: dict[Path, _Seed] = {}


def _seed(path: Path) -> _Seed:
    if path not in _seed_cache:
        _seed_cache[path] = _Seed(path, path.read_bytes())
    return _seed_cache[path]


def _pack(model) -> bytes:
    import flatbuffers
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _semantic(seed: _Seed, fn: Callable, rng: random.Random):
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl
    if seed.model is None:
        seed.model = pickle.dumps(tfl.ModelT.InitFromPackedBuf(seed.data, 0), protocol=5)
    m = pickle.loads(seed.model)
    desc = fn(m, rng)
    if desc is None:
        return None
    try:
        return _pack(m), desc
    except (struct.error, OverflowError, TypeError, ValueError):
        return None     # the object API refused the value (e.g. out of its field's range)


@dataclass
class Mutant:
    index: int
    family: str
    seed_model: str
    desc: str
    data: bytes


def make_mutant(index: int, seed: int, models: list[Path]) -> Mutant:
    """Mutant `index` of campaign `seed`: deterministic; families in round robin so any
    run of >= len(FAMILIES) mutants exercises every family."""
    family = FAMILIES[index % len(FAMILIES)]
    rng = random.Random(f"bt-fuzz:{seed}:{index}")
    # Real models get 70 % of the mutants even when many synthetic seeds are present.
    real = [p for p in models if Path(p).parent != SYNTH_DIR] or models
    synth = [p for p in models if Path(p).parent == SYNTH_DIR] or real
    for _attempt in range(12):       # a mutator may not apply to a given model
        s = _seed(rng.choice(synth if rng.random() < 0.3 else real))
        if family in BYTE_FAMILIES:
            out = BYTE_FAMILIES[family](s, rng)
        else:
            out = _semantic(s, SEMANTIC_FAMILIES[family], rng)
        if out is not None:
            data, desc = out
            # Sometimes stack a second, byte-level edit: combined damage finds more.
            if family in SEMANTIC_FAMILIES and rng.random() < 0.1 and data:
                more = m_bitflip(_Seed(s.path, data), rng)
                data, desc = more[0], f"{desc}; {more[1]}"
            return Mutant(index, family, s.path.name, desc, data)
    # Could not apply: an unmutated seed still exercises the path (and is counted).
    s = _seed(rng.choice(models))
    return Mutant(index, family, s.path.name, "unmutated (mutator not applicable)", s.data)


# ---------------------------------------------------------------- running the driver

@dataclass
class Outcome:
    path: str
    kind: str                    # ok | clear_error | crash | hang
    status: str = ""             # bt_status name for ok / clear_error
    stage: str = ""              # ran | init | invoke
    detail: str = ""             # error text, or the sanitizer report for crash / hang


_REPORT_RE = re.compile(r"(ERROR: AddressSanitizer|runtime error:|BT_FUZZ_ASSERT|"
                        r"ERROR: UndefinedBehaviorSanitizer|SUMMARY: )")


def _reader(stream, q: "queue.Queue"):
    for line in iter(stream.readline, ""):
        q.put(line.rstrip("\n"))
    q.put(None)


def run_batch(driver: Path, inputs: list[Path], timeout_s: float = PER_INPUT_TIMEOUT_S,
              env: Optional[dict] = None) -> list[Outcome]:
    """Run `driver` (bt_fuzz_run protocol) over `inputs`, restarting after each
    crash/hang, and classify every input. One Outcome per input, in order."""
    results: dict[str, Outcome] = {}
    pending = [str(p) for p in inputs]
    full_env = {**os.environ, **SAN_ENV, **(env or {})}
    while pending:
        with tempfile.TemporaryDirectory(prefix="btfz-") as td:
            lst = Path(td) / "inputs.txt"
            lst.write_text("".join(p + "\n" for p in pending))
            err_path = Path(td) / "stderr.txt"
            with open(err_path, "w+") as err:
                proc = subprocess.Popen([str(driver), "--timeout", str(max(1, int(timeout_s))), "--list", str(lst)],
                                        stdout=subprocess.PIPE, stderr=err, text=True, env=full_env,
                                        errors="replace")
                q: queue.Queue = queue.Queue()
                threading.Thread(target=_reader, args=(proc.stdout, q), daemon=True).start()
                current, hung_by_alarm, watchdog = None, False, False
                while True:
                    try:
                        line = q.get(timeout=timeout_s + 5)    # backstop if alarm() cannot fire
                    except queue.Empty:
                        proc.kill()
                        watchdog = True
                        break
                    if line is None:
                        break
                    parts = line.split("\t")
                    if parts[0] == "BEGIN":
                        current = parts[1]
                    elif parts[0] == "RESULT" and len(parts) >= 5:
                        cls, stage, status, path = parts[1:5]
                        results[path] = Outcome(path, cls, status, stage, parts[5] if len(parts) > 5 else "")
                        current = None
                    elif parts[0] == "HANG":
                        hung_by_alarm = True
                rc = proc.wait()
                err.seek(0)
                report = err.read()
            if current is None:
                missing = [p for p in pending if p not in results]
                if rc != 0 or missing:
                    raise RuntimeError(f"{driver} exited {rc} with no input in flight "
                                       f"({len(missing)} inputs without a result):\n{report[-3000:]}")
                break
            hang = hung_by_alarm or watchdog or rc == HANG_EXIT
            results[current] = Outcome(current, "hang" if hang else "crash", "", "",
                                       report if report.strip() else f"exit status {rc}")
            pending = pending[pending.index(current) + 1:]
    return [results[str(p)] for p in inputs]


# ---------------------------------------------------------------- the campaign

def _save_finding(m: Mutant, o: Outcome, driver: Path, crash_dir: Path) -> str:
    crash_dir.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha1(m.data).hexdigest()[:12]
    stem = crash_dir / f"{o.kind}-{m.family}-{h}"
    stem.with_suffix(".tflite").write_bytes(m.data)
    stem.with_suffix(".txt").write_text(
        f"kind: {o.kind}\nfamily: {m.family}\nseed model: {m.seed_model}\nmutant: {m.index}\n"
        f"mutation: {m.desc}\nreplay: {driver} {stem.with_suffix('.tflite')}\n\n{o.detail}")
    return str(stem.with_suffix(".tflite"))


def _first_report_line(detail: str) -> str:
    for line in detail.splitlines():
        if _REPORT_RE.search(line):
            return line.strip()[:300]
    return detail.strip().splitlines()[0][:300] if detail.strip() else ""


def _run_chunk(args) -> dict:
    """One worker task: generate mutants [start, stop), run them, summarise."""
    start, stop, seed, models, driver, timeout_s, crash_dir = args
    mutants = [make_mutant(i, seed, models) for i in range(start, stop)]
    with tempfile.TemporaryDirectory(prefix="btfz-mut-") as td:
        paths = []
        for m in mutants:
            p = Path(td) / f"m{m.index:07d}.tflite"
            p.write_bytes(m.data)
            paths.append(p)
        outcomes = run_batch(driver, paths, timeout_s)
    out = {"kinds": Counter(), "families": {}, "statuses": Counter(), "findings": []}
    for m, o in zip(mutants, outcomes):
        out["kinds"][o.kind] += 1
        fam = out["families"].setdefault(m.family, Counter())
        fam[o.kind] += 1
        if o.kind in ("ok", "clear_error"):
            out["statuses"][f"{o.stage}:{o.status}"] += 1
        else:
            out["findings"].append({"kind": o.kind, "family": m.family, "seed_model": m.seed_model,
                                    "mutation": m.desc, "input": _save_finding(m, o, driver, crash_dir),
                                    "report": _first_report_line(o.detail)})
    return out


def run_fuzz(mutants: int = 10000, seed: int = 0, jobs: int = 2, *,
             timeout_s: float = PER_INPUT_TIMEOUT_S, models: Optional[Iterable[Path]] = None,
             driver: Optional[Path] = None, crash_dir: Optional[Path] = None, synthetic: bool = True,
             progress: Optional[Callable[[int, int], None]] = None) -> dict:
    """Fuzz the ASan/UBSan driver with `mutants` structure-aware mutants of the seed
    models, `jobs` worker processes. Returns

        {mutants, crashes, hangs, clear_errors, ok, wall_s,      # the headline figures
         families: {family: {ok, clear_error, crash, hang}},     # per mutation family
         statuses: {"init:MODEL_TRUNCATED": n, ...},             # which errors fired
         findings: [{kind, family, seed_model, mutation, input, report}], crash_dir}

    Seeds: every staged model + models/mnist, plus (synthetic=True) one small model per
    operator those lack (:func:`synthetic_seeds`); `models` overrides the list.
    `driver` replaces bt_fuzz_run (any program speaking its protocol; the tests pass a
    deliberately broken one), `crash_dir` replaces build/fuzz/crashes.
    """
    t0 = time.monotonic()
    driver = Path(driver) if driver else build()["run"]
    crash_dir = Path(crash_dir) if crash_dir else CRASH_DIR
    models = [Path(p) for p in (models or seed_models() + (synthetic_seeds() if synthetic else []))]
    jobs = max(1, int(jobs))
    step = BATCH
    chunks = [(a, min(a + step, mutants), seed, models, driver, timeout_s, crash_dir)
              for a in range(0, mutants, step)]
    kinds, statuses, families, findings = Counter(), Counter(), {}, []
    done = 0

    def merge(r):
        nonlocal done
        kinds.update(r["kinds"])
        statuses.update(r["statuses"])
        for f, c in r["families"].items():
            families.setdefault(f, Counter()).update(c)
        findings.extend(r["findings"])
        done += sum(r["kinds"].values())
        if progress:
            progress(done, mutants)

    if jobs == 1:
        for c in chunks:
            merge(_run_chunk(c))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            for r in ex.map(_run_chunk, chunks):
                merge(r)
    return {
        "mutants": done, "crashes": kinds["crash"], "hangs": kinds["hang"],
        "clear_errors": kinds["clear_error"], "ok": kinds["ok"],
        "wall_s": round(time.monotonic() - t0, 2),
        "families": {f: dict(families[f]) for f in FAMILIES if f in families},
        "statuses": dict(statuses.most_common()),
        "findings": findings, "crash_dir": str(crash_dir),
    }


# ---------------------------------------------------------------- libFuzzer

_LF_STAT = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/", re.M)
_LF_DONE = re.compile(r"Done (\d+) runs in (\d+) second")


def run_libfuzzer(runs: Optional[int] = None, max_total_time: Optional[int] = 20,
                  corpus: Optional[Path] = None, max_seed_bytes: int = 64 * 1024,
                  timeout_s: int = PER_INPUT_TIMEOUT_S, seed: int = 1) -> dict:
    """Coverage-guided run of bt_fuzz_libfuzzer from the real models (seeds larger than
    max_seed_bytes are left out: person_detect alone would cut exec/s ~10x).
    Returns {execs, cov, ft, corpus, crashed, artifacts, wall_s, output}."""
    exe = build()["libfuzzer"]
    if exe is None:
        raise ToolMissing(f"libFuzzer needs clang: {INSTALL_HINT}")
    t0 = time.monotonic()
    art = BUILD_ROOT / "libfuzzer-artifacts"
    art.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="btfz-corpus-") as td:
        cdir = Path(corpus) if corpus else Path(td)
        if corpus is None:
            for p in seed_models() + synthetic_seeds():
                if p.stat().st_size <= max_seed_bytes:
                    shutil.copy(p, cdir / p.name)
        args = [str(exe), f"-timeout={timeout_s}", "-rss_limit_mb=2048", f"-seed={seed}",
                f"-artifact_prefix={art}/", "-print_final_stats=1", str(cdir)]
        if runs is not None:
            args.insert(1, f"-runs={runs}")
        if max_total_time is not None:
            args.insert(1, f"-max_total_time={max_total_time}")
        wall_cap = (max_total_time or 600) * 3 + 60
        r = subprocess.run(args, capture_output=True, text=True, errors="replace",
                           env={**os.environ, **SAN_ENV}, timeout=wall_cap)
    out = r.stderr + r.stdout
    stats = _LF_STAT.findall(out)
    done = _LF_DONE.search(out)
    execs = int(done.group(1)) if done else (int(stats[-1][0]) if stats else 0)
    arts = re.findall(r"Test unit written to (\S+)", out)
    return {
        "execs": execs, "cov": int(stats[-1][1]) if stats else 0, "ft": int(stats[-1][2]) if stats else 0,
        "corpus": int(stats[-1][3]) if stats else 0, "crashed": r.returncode != 0,
        "returncode": r.returncode, "artifacts": arts, "wall_s": round(time.monotonic() - t0, 2),
        "output": out[-6000:],
    }


def main(argv=None) -> int:
    """`python -m harness.fuzz [--mutants N] [--seed S] [--jobs J] [--json]`."""
    import argparse
    import json
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mutants", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    res = run_fuzz(a.mutants, a.seed, a.jobs)
    if a.json:
        print(json.dumps(res, indent=2))
    else:
        print(" ".join(f"{k}={res[k]}" for k in ("mutants", "crashes", "hangs", "clear_errors", "ok", "wall_s")))
        for f in res["findings"]:
            print(f"{f['kind']}: {f['family']} on {f['seed_model']}: {f['mutation']}\n  {f['report']}\n  {f['input']}")
    return 1 if res["crashes"] or res["hangs"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
