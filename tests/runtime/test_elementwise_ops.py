"""Element-wise and data-movement kernels vs TFLM (the tflite-micro wheel),
byte for byte, on randomised single-op models:
LOGISTIC / TANH (int8 exhaustively over all 256 inputs, int16 over all 65536,
power-of-two and general input scales), ADD / MUL (int8, N-D broadcasting,
fused activations, random scales and zero points), RELU / RELU6 (int8),
CONCATENATION, STRIDED_SLICE (masks, negative indices/strides, shrink),
SHAPE, PACK, SQUEEZE.
"""

from __future__ import annotations

import numpy as np
import pytest

from .test_seq_ops import BO, OP, Tn, check_seq, rand_q, single_op, tfl

ACT = tfl.ActivationFunctionType


def _all_int8(shape_rows=4):
    return np.arange(-128, 128, dtype=np.int8).reshape(shape_rows, -1)


# ---- LOGISTIC / TANH ---------------------------------------------------------------

@pytest.mark.parametrize("code", [OP.LOGISTIC, OP.TANH], ids=["logistic", "tanh"])
@pytest.mark.parametrize("case", range(8))
def test_logistic_tanh_int8_exhaustive(code, case):
    rng = np.random.default_rng(100 + case + 50 * (code == OP.TANH))
    in_s = float(rng.choice([0.002, 0.01, 0.03, 0.0625, 0.1, 0.25]) * rng.uniform(0.7, 1.3))
    in_zp = int(rng.integers(-128, 128))
    out = (1 / 256, -128) if code == OP.LOGISTIC else (1 / 128, 0)
    x = Tn((4, 64), np.int8, in_s, in_zp, name="x")
    y = Tn((4, 64), np.int8, *out, name="y")
    check_seq(single_op(code, [x], [y]), [[_all_int8()]], f"{code} int8 scale {in_s} zp {in_zp}")


def _int16_scales():
    # power of two (the LSTM's Q3.12 and neighbours) and general scales
    return [2.0 ** -12, 2.0 ** -11, 2.0 ** -13, 2.0 ** -15, 1 / 12288, 0.0003, 0.00007, 0.001, 0.004]


@pytest.mark.parametrize("code", [OP.LOGISTIC, OP.TANH], ids=["logistic", "tanh"])
@pytest.mark.parametrize("in_s", _int16_scales())
def test_logistic_tanh_int16_exhaustive(code, in_s):
    x = Tn((4, 16384), np.int16, in_s, 0, name="x")
    y = Tn((4, 16384), np.int16, 2.0 ** -15, 0, name="y")
    inp = np.arange(-32768, 32768, dtype=np.int16).reshape(4, 16384)
    model = single_op(code, [x], [y])
    check_seq(model, [[inp]], f"{code} int16 scale {in_s}")
    if in_s in (2.0 ** -12, 0.0003):
        check_seq(model, [[inp]], "asan", sanitize=True)


# ---- ADD / MUL -------------------------------------------------------------------

def _bcast_shapes(rng):
    rank = int(rng.integers(1, 5))
    out = [int(rng.integers(1, 6)) for _ in range(rank)]
    a, b = list(out), list(out)
    for k in range(rank):
        r = rng.random()
        if r < 0.3:
            a[k] = 1
        elif r < 0.6:
            b[k] = 1
    # sometimes a lower-rank operand (right-aligned broadcasting)
    if rank > 1 and rng.random() < 0.3:
        b = b[int(rng.integers(1, rank)):]
    return a, b, list(np.broadcast_shapes(tuple(a), tuple(b)))


@pytest.mark.parametrize("code", [OP.ADD, OP.MUL], ids=["add", "mul"])
@pytest.mark.parametrize("case", range(16))
def test_add_mul_int8_broadcast(code, case):
    rng = np.random.default_rng(300 + case + 1000 * (code == OP.MUL))
    a_shape, b_shape, out_shape = _bcast_shapes(rng)
    if case < 3:
        a_shape = b_shape = out_shape = [1, 3, 5, 7]            # same-shape path
    sa, sb = float(rng.uniform(0.005, 0.2)), float(rng.uniform(0.005, 0.2))
    so = float(rng.uniform(0.01, 0.3)) if code == OP.ADD else sa * sb * float(rng.uniform(20, 200))
    act = [ACT.NONE, ACT.RELU, ACT.RELU6, ACT.RELU_N1_TO_1][case % 4]
    a = Tn(a_shape, np.int8, sa, int(rng.integers(-128, 128)), name="a")
    const_b = case % 5 == 4
    b = Tn(b_shape, np.int8, sb, int(rng.integers(-128, 128)), name="b",
           data=rand_q(rng, b_shape) if const_b else None)
    y = Tn(out_shape, np.int8, so, int(rng.integers(-128, 128)), name="y")
    if code == OP.ADD:
        opt, ot = tfl.AddOptionsT(), BO.AddOptions
    else:
        opt, ot = tfl.MulOptionsT(), BO.MulOptions
    opt.fusedActivationFunction = act
    gi = [a] if const_b else [a, b]
    model = single_op(code, [a, b], [y], ot, opt, graph_inputs=gi)
    seq = [[rand_q(rng, a_shape)] + ([] if const_b else [rand_q(rng, b_shape)]) for _ in range(3)]
    check_seq(model, seq, f"{code} {a_shape}x{b_shape}->{out_shape} act {act}")
    if case < 2:
        check_seq(model, seq, "asan", sanitize=True)


# ---- RELU / RELU6 ------------------------------------------------------------------

@pytest.mark.parametrize("code", [OP.RELU, OP.RELU6], ids=["relu", "relu6"])
@pytest.mark.parametrize("case", range(6))
def test_relu_int8(code, case):
    rng = np.random.default_rng(500 + case + 10 * (code == OP.RELU6))
    in_s, in_zp = float(rng.uniform(0.01, 0.2)), int(rng.integers(-128, 128))
    if code == OP.RELU6 or case % 2:
        out_s, out_zp = in_s, in_zp            # RELU6: TFLM assumes equal quantization
    else:
        out_s, out_zp = float(rng.uniform(0.01, 0.2)), int(rng.integers(-128, 128))
    x = Tn((4, 64), np.int8, in_s, in_zp, name="x")
    y = Tn((4, 64), np.int8, out_s, out_zp, name="y")
    check_seq(single_op(code, [x], [y]), [[_all_int8()]], f"{code} case {case}")


# ---- CONCATENATION / PACK ------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.int8, np.int32], ids=["int8", "int32"])
@pytest.mark.parametrize("case", range(6))
def test_concatenation(dtype, case):
    rng = np.random.default_rng(600 + case)
    rank = int(rng.integers(1, 5))
    base = [int(rng.integers(1, 5)) for _ in range(rank)]
    axis = int(rng.integers(-rank, rank))
    n = int(rng.integers(1, 5))
    q = (0.05, 3) if dtype == np.int8 else (None, 0)
    ins, shapes = [], []
    for i in range(n):
        s = list(base)
        s[axis] = int(rng.integers(1, 4))
        shapes.append(s)
        ins.append(Tn(s, dtype, *q, name=f"x{i}"))
    out_shape = list(base)
    out_shape[axis] = sum(s[axis] for s in shapes)
    y = Tn(out_shape, dtype, *q, name="y")
    opt = tfl.ConcatenationOptionsT()
    opt.axis = axis
    model = single_op(OP.CONCATENATION, ins, [y], BO.ConcatenationOptions, opt)
    seq = [[rand_q(rng, s, dtype) for s in shapes] for _ in range(2)]
    check_seq(model, seq, f"concat {shapes} axis {axis}")
    if case < 2:
        check_seq(model, seq, "asan", sanitize=True)


@pytest.mark.parametrize("dtype", [np.int8, np.int32], ids=["int8", "int32"])
@pytest.mark.parametrize("case", range(5))
def test_pack(dtype, case):
    rng = np.random.default_rng(700 + case)
    rank = int(rng.integers(1, 4))
    shape = [int(rng.integers(1, 5)) for _ in range(rank)]
    n = int(rng.integers(1, 5))
    axis = int(rng.integers(-(rank + 1), rank + 1))
    q = (0.05, 3) if dtype == np.int8 else (None, 0)
    ins = [Tn(shape, dtype, *q, name=f"x{i}") for i in range(n)]
    out_shape = list(shape)
    out_shape.insert(axis if axis >= 0 else axis + rank + 1, n)
    y = Tn(out_shape, dtype, *q, name="y")
    opt = tfl.PackOptionsT()
    opt.valuesCount = n
    opt.axis = axis
    model = single_op(OP.PACK, ins, [y], BO.PackOptions, opt)
    seq = [[rand_q(rng, shape, dtype) for _ in range(n)] for _ in range(2)]
    check_seq(model, seq, f"pack {n}x{shape} axis {axis}")
    if case < 2:
        check_seq(model, seq, "asan", sanitize=True)


# ---- STRIDED_SLICE -----------------------------------------------------------------

def _slice_case(rng, shape):
    rank = len(shape)
    begin, end, strides = [], [], []
    bm = em = sm = 0
    out_shape = []
    x = np.arange(int(np.prod(shape))).reshape(shape)
    idx = []
    for k, n in enumerate(shape):
        st = int(rng.choice([1, 1, 2, 3, -1, -2]))
        b = int(rng.integers(-n - 1, n + 2))
        e = int(rng.integers(-n - 1, n + 2))
        kind = rng.random()
        if kind < 0.15 and n > 0:
            sm |= 1 << k
            b = int(rng.integers(-n, n))
            e = b + 1
            st = 1
            idx.append(b)
        else:
            if kind < 0.35:
                bm |= 1 << k
            if 0.3 < kind < 0.5:
                em |= 1 << k
            idx.append(slice(None if bm >> k & 1 else b, None if em >> k & 1 else e, st))
        begin.append(b)
        end.append(e)
        strides.append(st)
    out_shape = list(x[tuple(idx)].shape)
    return begin, end, strides, bm, em, sm, out_shape


@pytest.mark.parametrize("dtype", [np.int8, np.int32], ids=["int8", "int32"])
@pytest.mark.parametrize("case", range(14))
def test_strided_slice(dtype, case):
    rng = np.random.default_rng(800 + case)
    rank = int(rng.integers(1, 5))
    shape = [int(rng.integers(1, 7)) for _ in range(rank)]
    for _ in range(100):
        begin, end, strides, bm, em, sm, out_shape = _slice_case(rng, shape)
        if int(np.prod(out_shape)) > 0:
            break
    q = (0.05, -2) if dtype == np.int8 else (None, 0)
    x = Tn(shape, dtype, *q, name="x")
    tb = Tn((rank,), np.int32, data=np.array(begin, np.int32), name="begin")
    te = Tn((rank,), np.int32, data=np.array(end, np.int32), name="end")
    ts = Tn((rank,), np.int32, data=np.array(strides, np.int32), name="strides")
    y = Tn(out_shape, dtype, *q, name="y")
    opt = tfl.StridedSliceOptionsT()
    opt.beginMask, opt.endMask, opt.shrinkAxisMask = bm, em, sm
    model = single_op(OP.STRIDED_SLICE, [x, tb, te, ts], [y], BO.StridedSliceOptions, opt, graph_inputs=[x])
    seq = [[rand_q(rng, shape, dtype)] for _ in range(2)]
    check_seq(model, seq, f"strided_slice {shape} b{begin} e{end} s{strides} masks {bm}/{em}/{sm}")
    if case < 2:
        check_seq(model, seq, "asan", sanitize=True)


# ---- SHAPE / SQUEEZE ------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1,), (3, 1, 4), (2, 3, 4, 5), (1, 1, 1, 7)])
def test_shape(shape):
    x = Tn(shape, np.int8, 0.1, 0, name="x")
    y = Tn((len(shape),), np.int32, name="y")
    opt = tfl.ShapeOptionsT()
    opt.outType = tfl.TensorType.INT32
    model = single_op(OP.SHAPE, [x], [y], BO.ShapeOptions, opt)
    rng = np.random.default_rng(9)
    gold = check_seq(model, [[rand_q(rng, shape)]], f"shape {shape}")
    assert gold[0][0].tolist() == list(shape)


@pytest.mark.parametrize("dtype", [np.int8, np.int32], ids=["int8", "int32"])
@pytest.mark.parametrize("shape,dims", [((1, 5, 1, 3), [0, 2]), ((1, 5, 1, 3), []), ((4, 1), [-1]),
                                        ((1, 1, 8), [1])])
def test_squeeze(dtype, shape, dims):
    q = (0.05, 3) if dtype == np.int8 else (None, 0)
    x = Tn(shape, dtype, *q, name="x")
    if dims:
        out_shape = [d for k, d in enumerate(shape) if not (k in dims or k - len(shape) in dims)]
    else:
        out_shape = [d for d in shape if d != 1]
    y = Tn(out_shape, dtype, *q, name="y")
    opt = tfl.SqueezeOptionsT()
    opt.squeezeDims = list(dims)
    model = single_op(OP.SQUEEZE, [x], [y], BO.SqueezeOptions, opt)
    rng = np.random.default_rng(11)
    check_seq(model, [[rand_q(rng, shape, dtype)] for _ in range(2)], f"squeeze {shape} {dims}")


@pytest.mark.parametrize("code", [OP.ADD, OP.MUL], ids=["add", "mul"])
@pytest.mark.parametrize("case", range(4))
def test_add_mul_int8_all_pairs(code, case):
    """Every (a, b) int8 pair once: [256,1] x [1,256] broadcast to [256,256]."""
    rng = np.random.default_rng(900 + case + 10 * (code == OP.MUL))
    sa, sb = float(rng.uniform(0.005, 0.2)), float(rng.uniform(0.005, 0.2))
    if case == 0:
        sb = sa                                      # equal input scales
    so = float(rng.uniform(0.01, 0.4)) if code == OP.ADD else sa * sb * float(rng.uniform(10, 300))
    a = Tn((256, 1), np.int8, sa, int(rng.integers(-128, 128)), name="a")
    b = Tn((1, 256), np.int8, sb, int(rng.integers(-128, 128)), name="b")
    y = Tn((256, 256), np.int8, so, int(rng.integers(-128, 128)), name="y")
    opt, ot = (tfl.AddOptionsT(), BO.AddOptions) if code == OP.ADD else (tfl.MulOptionsT(), BO.MulOptions)
    opt.fusedActivationFunction = [ACT.NONE, ACT.RELU, ACT.NONE, ACT.RELU6][case]
    model = single_op(code, [a, b], [y], ot, opt)
    vals = np.arange(-128, 128, dtype=np.int8)
    check_seq(model, [[vals.reshape(256, 1), vals.reshape(1, 256)]], f"{code} all pairs case {case}")
