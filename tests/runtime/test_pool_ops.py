"""AVERAGE_POOL_2D, MAX_POOL_2D, and the other spatial ops of the same owner
(PAD, MEAN) vs TFLM (the tflite-micro wheel), byte for byte, on randomised
single-op models built with harness/modelgen.py: odd sizes, batches,
SAME/VALID, strides 1-3, filters 1-5, all fused activations; PAD of rank
1-5 with zero-point fill; MEAN over any axes (negative, duplicated), with and
without keep_dims, equal and different input/output quantization, output
scales from 1e-6 to 300x the input's (multiplier and shift clamping).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from harness import modelgen as mg

from .test_conv_ops import ACTS, check_random, ref_exe, san_exe  # noqa: F401 (fixtures)


def random_pool(rng, kind: str, **force):
    while True:
        p = dict(n=int(rng.integers(1, 3)) if rng.random() < 0.3 else 1,
                 h=int(rng.integers(1, 13)), w=int(rng.integers(1, 13)), c=int(rng.integers(1, 9)),
                 f=(int(rng.integers(1, 6)), int(rng.integers(1, 6))),
                 stride=(int(rng.integers(1, 4)), int(rng.integers(1, 4))),
                 padding="SAME" if rng.random() < 0.5 else "VALID",
                 act=ACTS[int(rng.integers(0, len(ACTS)))],
                 scale=float(rng.uniform(0.005, 0.1)), zp=int(rng.integers(-128, 128)))
        p.update(force)
        if (mg.out_size(p["padding"], p["h"], p["f"][0], p["stride"][0]) >= 1
                and mg.out_size(p["padding"], p["w"], p["f"][1], p["stride"][1]) >= 1):
            break
    b = mg.ModelBuilder()
    shape = (p["n"], p["h"], p["w"], p["c"])
    x = b.input(shape, p["scale"], p["zp"])
    pool = b.average_pool2d if kind == "avg" else b.max_pool2d
    b.output(pool(x, p["f"], p["stride"], p["padding"], p["act"]))
    return b.build(), shape, {**p, "kind": kind}


def random_pad(rng, **force):
    rank = int(force.get("rank", rng.integers(1, 6)))
    shape = force.get("shape", tuple(int(rng.integers(1, 6)) for _ in range(rank)))
    pads = force.get("pads", [[int(rng.integers(0, 4)), int(rng.integers(0, 4))] for _ in shape])
    zp = int(force.get("zp", rng.integers(-128, 128)))
    b = mg.ModelBuilder()
    x = b.input(shape, 0.02, zp)
    b.output(b.pad(x, pads))
    return b.build(), tuple(shape), dict(kind="pad", shape=shape, pads=pads, zp=zp)


def random_mean(rng, **force):
    if rng.random() < 0.5:   # the common case: global average over H, W
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 12)), int(rng.integers(1, 12)),
                 int(rng.integers(1, 9)))
        axes = [1, 2] if rng.random() < 0.7 else [2, 1]
    else:
        rank = int(rng.integers(1, 5))
        shape = tuple(int(rng.integers(1, 8)) for _ in range(rank))
        k = int(rng.integers(1, rank + 1))
        axes = sorted(int(a) for a in rng.choice(rank, size=k, replace=False))
        if rng.random() < 0.3:
            axes = [a - rank for a in axes]
    keep = bool(rng.random() < 0.7)
    in_s, in_zp = float(rng.uniform(0.005, 0.1)), int(rng.integers(-128, 128))
    same = rng.random() < 0.3
    out_s = in_s if same else in_s * float(np.exp(rng.uniform(-1.5, 1.5)))
    out_zp = in_zp if same else int(rng.integers(-128, 128))
    p = dict(shape=shape, axes=axes, keep=keep, in_s=in_s, in_zp=in_zp, out_s=out_s, out_zp=out_zp)
    p.update(force)
    b = mg.ModelBuilder()
    x = b.input(p["shape"], p["in_s"], p["in_zp"])
    b.output(b.mean(x, p["axes"], p["keep"], p["out_s"], p["out_zp"]))
    return b.build(), tuple(p["shape"]), {**p, "kind": "mean"}


MAKERS = {
    "average_pool_2d": lambda r, **f: random_pool(r, "avg", **f),
    "max_pool_2d": lambda r, **f: random_pool(r, "max", **f),
    "pad": random_pad,
    "mean": random_mean,
}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("op", sorted(MAKERS))
def test_random(op, seed, ref_exe):
    rng = np.random.default_rng(zlib.crc32(op.encode()) + seed)
    check_random(rng, MAKERS[op], 15, ref_exe)


CASES = {
    "average_pool_2d": {
        "person_detect_head": dict(h=3, w=3, c=16, f=(3, 3), stride=(2, 2), padding="VALID"),
        "global_7x7": dict(h=7, w=7, f=(7, 7), stride=(1, 1), padding="VALID"),
        "same_clipped_windows": dict(h=6, w=5, f=(4, 4), stride=(1, 1), padding="SAME"),
        "same_stride2_even": dict(h=8, w=8, f=(3, 3), stride=(2, 2), padding="SAME"),
        "ties_round_away": dict(h=2, w=2, f=(2, 2), stride=(2, 2), padding="VALID"),
        "relu6": dict(act="RELU6"), "relu_n1_to_1": dict(act="RELU_N1_TO_1", scale=0.01),
        "batch3": dict(n=3),
    },
    "max_pool_2d": {
        "2x2_stride2": dict(h=8, w=8, f=(2, 2), stride=(2, 2), padding="VALID"),
        "3x3_same_stride2": dict(h=9, w=9, f=(3, 3), stride=(2, 2), padding="SAME"),
        "relu": dict(act="RELU", zp=40), "relu6": dict(act="RELU6", scale=0.05),
        "batch3": dict(n=3),
    },
    "pad": {
        "image_hw": dict(shape=(1, 5, 6, 3), pads=[[0, 0], [1, 2], [2, 1], [0, 0]]),
        "channels_only": dict(shape=(1, 3, 3, 4), pads=[[0, 0], [0, 0], [0, 0], [2, 3]]),
        "batch_and_rank5": dict(shape=(2, 2, 3, 2, 2), pads=[[1, 0], [0, 1], [1, 1], [0, 2], [2, 0]]),
        "rank1": dict(shape=(7,), pads=[[3, 4]]),
        "no_padding": dict(shape=(2, 3), pads=[[0, 0], [0, 0]]),
        "zp_extremes": dict(zp=-128), "zp_extremes_2": dict(zp=127),
    },
    "mean": {
        "hw_keep_equal_quant": dict(shape=(1, 5, 7, 8), axes=[1, 2], keep=True, out_s=None, out_zp=None),
        "hw_no_keep": dict(shape=(2, 6, 6, 3), axes=[1, 2], keep=False),
        "large_count": dict(shape=(1, 64, 48, 2), axes=[1, 2], keep=True),
        "huge_out_scale": dict(shape=(1, 9, 9, 2), axes=[1, 2], out_s=5.0),
        "tiny_out_scale": dict(shape=(1, 9, 9, 2), axes=[1, 2], out_s=1e-7),
        "all_axes": dict(shape=(3, 4, 5), axes=[0, 1, 2], keep=False),
        "duplicate_axes": dict(shape=(2, 3, 4), axes=[1, -2], keep=True),
        "channel_axis": dict(shape=(1, 3, 3, 10), axes=[3], keep=True),
    },
}
CASE_IDS = [(op, c) for op in sorted(CASES) for c in sorted(CASES[op])]


@pytest.mark.parametrize("op,case", CASE_IDS)
def test_corner_cases(op, case, ref_exe):
    force = dict(CASES[op][case])
    rng = np.random.default_rng(zlib.crc32(f"{op}/{case}".encode()))
    if op == "mean":
        if "out_s" in force and force["out_s"] is None:   # input quantization == output's
            force.pop("out_s"), force.pop("out_zp")
            s, z = 0.03, -7
            force.update(in_s=s, in_zp=z, out_s=s, out_zp=z)
    check_random(rng, lambda r: MAKERS[op](r, **force), 3, ref_exe)


@pytest.mark.parametrize("op", sorted(MAKERS))
def test_random_asan(op, san_exe):
    rng = np.random.default_rng(zlib.crc32(op.encode()) + 99)
    check_random(rng, MAKERS[op], 6, san_exe, n_samples=2, sanitize=True)
