"""BT_KERNELS=dsp (CMSIS_NN=ON equivalent) FULLY_CONNECTED, SOFTMAX,
AVERAGE_POOL_2D, MAX_POOL_2D, ADD, MUL: the host dsp build is compared byte
for byte with the host ref build AND with TFLM (the tflite-micro wheel).

On the host the DSP helpers take their portable-C form, whose equality with
the real instructions is checked on emulated Cortex-M4/M7 cores by
test_dsp_simd_arm.py, so these tests check each fast path's data flow:
 * whole models that use these ops (hello_world int8 + float, micro_speech,
   mnist_lstm, keyword_scrambled, person_detect, models/mnist, the DS-CNN of
   harness/dscnn.py) on >= 20 random inputs, every operator output exposed
   as a graph output so an intermediate difference cannot hide;
 * randomised single-op models: odd sizes (not multiples of 4 or 8), batches,
   per-tensor / per-channel / asymmetric weights, with/without bias, every
   fused activation, windows over 256 taps (32-bit average path), int8 and
   int16 softmax outputs, ADD/MUL broadcasting of every kind (same shape,
   scalar, per-channel vector, middle-axis and lower-rank operands, constant
   operands);
 * a deliberately corrupted output is detected (the comparison can fail).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.compression import model_editor as me

from harness import hostrun
from harness import modelgen as mg

from . import opmodels as om
from .test_conv_ops import _private_copy
from .test_pool_ops import random_pool
from .test_seq_ops import BO, OP, Tn, single_op, tfl

ACT = tfl.ActivationFunctionType
FC_ACTS = [ACT.NONE, ACT.RELU, ACT.RELU_N1_TO_1, ACT.RELU6]


@pytest.fixture(scope="session")
def dsp_exe(tmp_path_factory):
    return _private_copy(hostrun.build_host(kernels="dsp"), tmp_path_factory, "bt_host_run_dsp")


@pytest.fixture(scope="session")
def ref_exe2(tmp_path_factory):
    return _private_copy(hostrun.build_host(kernels="ref"), tmp_path_factory, "bt_host_run_ref")


@pytest.fixture(scope="session")
def dsp_san_exe(tmp_path_factory):
    return _private_copy(hostrun.build_host(sanitize=True, kernels="dsp"), tmp_path_factory,
                         "bt_host_run_dsp_asan")


def compare(mb: bytes, samples, dsp_exe, ref_exe, *, golden=True, names=None) -> list[str]:
    """dsp vs ref (host) and dsp vs TFLM; one line per differing (sample, output)."""
    dsp = mg.host_batch(mb, samples, exe=dsp_exe)
    ref = mg.host_batch(mb, samples, exe=ref_exe)
    bad = []
    for s, (a, b) in enumerate(zip(dsp, ref)):
        for k, (x, y) in enumerate(zip(a, b)):
            if x != y:
                xi, yi = np.frombuffer(x, np.int8), np.frombuffer(y, np.int8)
                i = np.flatnonzero(xi != yi) if xi.size == yi.size else np.array([0])
                bad.append(f"sample {s} {names[k] if names else f'output {k}'}: dsp != ref at "
                           f"{i[:4].tolist()} ({xi[i[:4]].tolist()} vs {yi[i[:4]].tolist()})")
    if golden:
        bad += [f"vs TFLM: {m}" for m in mg.mismatches(mb, samples, exe=dsp_exe, output_names=names)]
    return bad


def _inputs(mb: bytes, rng, n: int):
    """Random inputs over each input dtype's full range (from the flatbuffer)."""
    m = tfl.ModelT.InitFromPackedBuf(mb, 0)
    sg = m.subgraphs[0]
    np_t = {tfl.TensorType.INT8: np.int8, tfl.TensorType.INT16: np.int16, tfl.TensorType.UINT8: np.uint8,
            tfl.TensorType.INT32: np.int32, tfl.TensorType.FLOAT32: np.float32}
    out = []
    for _ in range(n):
        xs = []
        for ti in sg.inputs:
            t = sg.tensors[ti]
            dt = np.dtype(np_t[t.type])
            shape = tuple(int(s) for s in t.shape)
            if dt.kind == "f":
                xs.append(rng.standard_normal(shape).astype(dt))
            else:
                info = np.iinfo(dt)
                xs.append(rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dt))
        out.append(xs)
    return out


# ---- whole models ------------------------------------------------------------------

def _ds_cnn(models_dir):
    from harness.dscnn import ds_cnn_path
    return ds_cnn_path()


MODELS = {
    "hello_world_int8": lambda d: d / "hello_world" / "hello_world_int8.tflite",
    "hello_world_float": lambda d: d / "hello_world" / "hello_world_float.tflite",
    "micro_speech": lambda d: d / "micro_speech" / "micro_speech_quantized.tflite",
    "mnist_lstm": lambda d: d / "mnist_lstm" / "trained_lstm_int8.tflite",
    "keyword_scrambled": lambda d: d / "keyword_scrambled" / "keyword_scrambled_8bit.tflite",
    "person_detect": lambda d: d / "person_detection" / "person_detect.tflite",
    "mnist_cnn": lambda d: hostrun.REPO / "models" / "mnist" / "mnist_cnn_int8.tflite",
    "ds_cnn": _ds_cnn,
}


@pytest.mark.parametrize("model", sorted(MODELS))
def test_model_every_tensor_bit_exact(model, models_dir, dsp_exe, ref_exe2):
    path = MODELS[model](models_dir)
    if not path.is_file():
        pytest.fail(f"{path} missing")
    mb = path.read_bytes()
    rng = np.random.default_rng(zlib.crc32(model.encode()))
    samples = _inputs(mb, rng, 20)
    # extremes too: all-min and all-max inputs
    samples += [[np.full_like(x, np.iinfo(x.dtype).min) for x in samples[0]] if samples[0][0].dtype.kind in "iu"
                else [np.zeros_like(x) for x in samples[0]]]
    outs = mg.operator_outputs(mb)
    names = [f"op #{i} output (tensor {t})" for i, t in enumerate(outs)]
    bad = compare(mb, samples, dsp_exe, ref_exe2)
    bad += compare(mg.expose_outputs(mb, outs), samples, dsp_exe, ref_exe2, names=names)
    assert not bad, f"{model}: {len(bad)} mismatches:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("model", ["micro_speech", "mnist_cnn", "ds_cnn"])
def test_model_under_asan(model, models_dir, dsp_san_exe, ref_exe2):
    mb = MODELS[model](models_dir).read_bytes()
    samples = _inputs(mb, np.random.default_rng(5), 2)
    assert not compare(mb, samples, dsp_san_exe, ref_exe2, golden=False)


def test_ds_cnn_architecture():
    """MLPerf Tiny's DS-CNN layout and ~2.66 M MACs."""
    from harness.analyse import analyse
    from harness.dscnn import ds_cnn_path
    a = analyse(ds_cnn_path())
    ops = [o["op"] for o in a["operators"]]
    assert ops == (["CONV_2D"] + ["DEPTHWISE_CONV_2D", "CONV_2D"] * 4 +
                   ["AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]), ops
    assert 2_600_000 <= int(a["macs"]) <= 2_700_000, a["macs"]


# ---- randomised single-op models ---------------------------------------------------

def fc_model(rng, batches, accum, units, per_channel, bias, act, w_zp=0):
    in_scale, in_zp = float(rng.uniform(0.005, 0.1)), int(rng.integers(-128, 128))
    out_zp = int(rng.integers(-128, 128))
    w = rng.integers(-128, 128, size=(units, accum)).astype(np.int8)
    if per_channel:
        ws = [float(s) for s in rng.uniform(0.001, 0.05, size=units)]
        wq = me.Quantization(scales=ws, zero_points=[0] * units, axis=0)
    else:
        ws = [float(rng.uniform(0.001, 0.05))]
        wq = me.Quantization(scales=ws[0], zero_points=w_zp)
    out_scale = mg.conv_out_scale(in_scale, ws, accum) * float(rng.uniform(0.5, 2.0))
    x = me.Tensor(shape=(batches, accum), dtype=tfl.TensorType.INT8,
                  quantization=me.Quantization(in_scale, in_zp), name="x")
    wt = me.Tensor(shape=(units, accum), dtype=tfl.TensorType.INT8, data=w, quantization=wq, name="w")
    ins = [x, wt]
    if bias:
        mag = int(74 * 74 * np.sqrt(accum))
        b = rng.integers(-mag, mag + 1, size=units).astype(np.int32)
        bs = [float(np.float32(in_scale) * np.float32(s)) for s in ws]
        bq = me.Quantization(scales=bs if per_channel else bs[0],
                             zero_points=[0] * len(bs) if per_channel else 0, axis=0 if per_channel else None)
        ins.append(me.Tensor(shape=(units,), dtype=tfl.TensorType.INT32, data=b, quantization=bq, name="b"))
    else:
        ins.append(None)
    y = me.Tensor(shape=(batches, units), dtype=tfl.TensorType.INT8,
                  quantization=me.Quantization(out_scale, out_zp), name="y")
    opt = tfl.FullyConnectedOptionsT()
    opt.fusedActivationFunction = act
    return om._model(OP.FULLY_CONNECTED, ins, [y], tfl.BuiltinOptions.FullyConnectedOptions, opt,
                     graph_inputs=[x])


def _check_random(make, rng, n_models, dsp_exe, ref_exe, n_samples=4):
    bad = []
    for _ in range(n_models):
        mb, desc = make(rng)
        m = compare(mb, _inputs(mb, rng, n_samples), dsp_exe, ref_exe)
        if m:
            bad.append(f"{desc}:\n    " + "\n    ".join(m[:3]))
    assert not bad, f"{len(bad)}/{n_models} random models differ:\n" + "\n".join(bad[:8])


FC_CASES = {
    "accum_odd_units_odd": dict(accum=37, units=7),
    "accum_1": dict(accum=1, units=3),
    "accum_3_tail_only": dict(accum=3, units=4),
    "accum_4": dict(accum=4, units=2),
    "accum_mult8_per_channel": dict(accum=64, units=12, per_channel=True),
    "batched_odd": dict(batches=3, accum=21, units=5),
    "no_bias": dict(bias=False, accum=13, units=9),
    "asymmetric_weights": dict(w_zp=37, accum=29, units=6),
    "asymmetric_weights_neg": dict(w_zp=-128, accum=8, units=3),
    "micro_speech_like": dict(accum=4000, units=4),
    "single_unit": dict(accum=50, units=1),
}


def _fc_rand(rng, **force):
    p = dict(batches=int(rng.integers(1, 4)), accum=int(rng.integers(1, 90)), units=int(rng.integers(1, 20)),
             per_channel=bool(rng.random() < 0.5), bias=bool(rng.random() < 0.8),
             act=FC_ACTS[int(rng.integers(0, 4))], w_zp=0)
    if not p["per_channel"] and rng.random() < 0.3:
        p["w_zp"] = int(rng.integers(-128, 128))
    p.update(force)
    if p["per_channel"]:
        p["w_zp"] = 0
    return fc_model(rng, **p), p


@pytest.mark.parametrize("case", sorted(FC_CASES))
def test_fc_cases(case, dsp_exe, ref_exe2):
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    _check_random(lambda r: _fc_rand(r, **FC_CASES[case]), rng, 3, dsp_exe, ref_exe2)


@pytest.mark.parametrize("seed", range(4))
def test_fc_random(seed, dsp_exe, ref_exe2):
    _check_random(_fc_rand, np.random.default_rng(7000 + seed), 12, dsp_exe, ref_exe2)


def _softmax_rand(rng, **force):
    p = dict(rows=int(rng.integers(1, 5)), depth=int(rng.integers(1, 41)), beta=float(rng.choice([1.0, 0.5, 2.0])),
             in_scale=float(rng.choice([0.001, 0.01, 0.1, 0.5, 2.0]) * rng.uniform(0.7, 1.3)),
             out_type=tfl.TensorType.INT16 if rng.random() < 0.3 else tfl.TensorType.INT8)
    p.update(force)
    return om.softmax(rng, **p), p


SOFTMAX_CASES = {
    "depth_1": dict(depth=1), "depth_3": dict(depth=3), "depth_4": dict(depth=4), "depth_7": dict(depth=7),
    "depth_12_int16": dict(depth=12, out_type=tfl.TensorType.INT16),
    "tiny_scale_radius": dict(depth=33, in_scale=0.0005),   # everything inside the radius
    "huge_scale": dict(depth=10, in_scale=8.0),              # most diffs below diff_min
    "rows_odd": dict(rows=5, depth=13),
    "float32": dict(rows=3, depth=11, out_type=tfl.TensorType.FLOAT32),   # dsp shares ref's float path
}


@pytest.mark.parametrize("case", sorted(SOFTMAX_CASES))
def test_softmax_cases(case, dsp_exe, ref_exe2):
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    _check_random(lambda r: _softmax_rand(r, **SOFTMAX_CASES[case]), rng, 3, dsp_exe, ref_exe2, n_samples=8)


@pytest.mark.parametrize("seed", range(3))
def test_softmax_random(seed, dsp_exe, ref_exe2):
    _check_random(_softmax_rand, np.random.default_rng(8000 + seed), 10, dsp_exe, ref_exe2)


def _pool_rand(kind):
    def make(rng, **force):
        f = dict(c=int(rng.choice([1, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 23])))
        f.update(force)
        mb, _shape, desc = random_pool(rng, kind, **f)
        return mb, desc
    return make


POOL_CASES = {
    "c8_3x3_s2_same": dict(c=8, h=9, w=9, f=(3, 3), stride=(2, 2), padding="SAME"),
    "c13_2x2_valid": dict(c=13, h=8, w=7, f=(2, 2), stride=(2, 2), padding="VALID"),
    "c4_relu6": dict(c=4, act="RELU6"),
    "c12_relu": dict(c=12, act="RELU", zp=40),
    "c3_only_tail": dict(c=3),
    "global_ds_cnn_like": dict(c=64, h=25, w=5, f=(25, 5), stride=(1, 1), padding="VALID", n=1),
    "over_256_taps": dict(c=9, h=20, w=15, f=(20, 15), stride=(1, 1), padding="VALID", n=1),
    "exactly_256_taps": dict(c=8, h=16, w=16, f=(16, 16), stride=(1, 1), padding="VALID", n=1),
    "batch3": dict(n=3, c=5),
}


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_pool_cases(kind, case, dsp_exe, ref_exe2):
    rng = np.random.default_rng(zlib.crc32(f"{kind}{case}".encode()))
    force = dict(POOL_CASES[case])
    _check_random(lambda r: _pool_rand(kind)(r, **force), rng, 2, dsp_exe, ref_exe2)


def test_avg_pool_extreme_sums(dsp_exe, ref_exe2):
    """All -128 / all 127 inputs over 256 taps: the int16 lanes' limits."""
    for zp in (-128, 0, 127):
        mb, _s, _d = random_pool(np.random.default_rng(1), "avg", n=1, h=16, w=16, c=8, f=(16, 16),
                                 stride=(1, 1), padding="VALID", act="NONE", zp=zp)
        samples = [[np.full((1, 16, 16, 8), v, np.int8)] for v in (-128, 127, -1, 0)]
        assert not compare(mb, samples, dsp_exe, ref_exe2)


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize("seed", range(3))
def test_pool_random(kind, seed, dsp_exe, ref_exe2):
    _check_random(_pool_rand(kind), np.random.default_rng(9000 + seed + (50 if kind == "max" else 0)), 10,
                  dsp_exe, ref_exe2)


def _elementwise(rng, code, a_shape, b_shape, act, const_b=False):
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    sa, sb = float(rng.uniform(0.005, 0.2)), float(rng.uniform(0.005, 0.2))
    so = float(rng.uniform(0.01, 0.3)) if code == OP.ADD else sa * sb * float(rng.uniform(20, 200))
    a = Tn(a_shape, np.int8, sa, int(rng.integers(-128, 128)), name="a")
    bdata = rng.integers(-128, 128, size=b_shape).astype(np.int8) if const_b else None
    b = Tn(b_shape, np.int8, sb, int(rng.integers(-128, 128)), name="b", data=bdata)
    y = Tn(out_shape, np.int8, so, int(rng.integers(-128, 128)), name="y")
    opt, ot = (tfl.AddOptionsT(), BO.AddOptions) if code == OP.ADD else (tfl.MulOptionsT(), BO.MulOptions)
    opt.fusedActivationFunction = act
    return single_op(code, [a, b], [y], ot, opt, graph_inputs=[a] if const_b else [a, b])


BCAST = {
    "same_shape_odd": ([1, 3, 5, 7], [1, 3, 5, 7]),
    "same_shape_mult4": ([2, 4, 4, 8], [2, 4, 4, 8]),
    "scalar_b": ([1, 5, 3, 9], [1]),
    "scalar_a": ([1], [2, 3, 11]),
    "per_channel_vector": ([1, 4, 3, 13], [13]),
    "per_channel_vector_a": ([12], [2, 3, 12]),
    "middle_axis": ([2, 5, 1, 6], [2, 1, 4, 6]),
    "column_vs_row": ([7, 1], [1, 9]),
    "last_dim_1": ([3, 4, 1], [3, 4, 5]),
    "lower_rank_2d": ([2, 3, 4, 5], [4, 5]),
    "both_repeat_inner": ([3, 1], [3, 1]),
    "len_1": ([1], [1]),
    "batch_bcast": ([1, 2, 3, 5], [4, 1, 1, 1]),
}


@pytest.mark.parametrize("code", [OP.ADD, OP.MUL], ids=["add", "mul"])
@pytest.mark.parametrize("case", sorted(BCAST))
def test_add_mul_broadcast(code, case, dsp_exe, ref_exe2):
    a_shape, b_shape = BCAST[case]
    bad = []
    for k in range(4):
        rng = np.random.default_rng(zlib.crc32(f"{code}{case}{k}".encode()))
        act = FC_ACTS[k]
        mb = _elementwise(rng, code, a_shape, b_shape, act, const_b=(k == 3))
        m = compare(mb, _inputs(mb, rng, 4), dsp_exe, ref_exe2)
        bad += [f"act {act} const_b {k == 3}: {x}" for x in m[:2]]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("code", [OP.ADD, OP.MUL], ids=["add", "mul"])
@pytest.mark.parametrize("seed", range(3))
def test_add_mul_random(code, seed, dsp_exe, ref_exe2):
    rng = np.random.default_rng(11000 + seed + (100 if code == OP.MUL else 0))
    bad = []
    for _ in range(10):
        rank = int(rng.integers(1, 5))
        out = [int(rng.integers(1, 8)) for _ in range(rank)]
        a, b = list(out), list(out)
        for i in range(rank):
            r = rng.random()
            if r < 0.3:
                a[i] = 1
            elif r < 0.6:
                b[i] = 1
        if rank > 1 and rng.random() < 0.3:
            b = b[int(rng.integers(1, rank)):]
        act = FC_ACTS[int(rng.integers(0, 4))]
        mb = _elementwise(rng, code, a, b, act, const_b=bool(rng.random() < 0.2))
        m = compare(mb, _inputs(mb, rng, 3), dsp_exe, ref_exe2)
        bad += [f"{a} x {b} act {act}: {x}" for x in m[:2]]
    assert not bad, "\n".join(bad[:10])


@pytest.mark.parametrize("code", [OP.ADD, OP.MUL], ids=["add", "mul"])
def test_add_mul_all_pairs(code, dsp_exe, ref_exe2):
    """Every (a, b) int8 pair: [256,1] x [1,256] and the same-shape path."""
    rng = np.random.default_rng(13 + (code == OP.MUL))
    vals = np.arange(-128, 128, dtype=np.int8)
    mb = _elementwise(rng, code, [256, 1], [1, 256], ACT.NONE)
    assert not compare(mb, [[vals.reshape(256, 1), vals.reshape(1, 256)]], dsp_exe, ref_exe2)
    mb = _elementwise(rng, code, [256, 256], [256, 256], ACT.RELU)
    aa, bb = np.meshgrid(vals, vals, indexing="ij")
    assert not compare(mb, [[aa.astype(np.int8), bb.astype(np.int8)]], dsp_exe, ref_exe2)


def test_random_asan(dsp_san_exe, ref_exe2):
    """A few single-op models of every kind under ASan/UBSan (word loads at row ends)."""
    rng = np.random.default_rng(4242)
    makers = [_fc_rand, _softmax_rand, _pool_rand("avg"), _pool_rand("max")]
    for mk in makers:
        _check_random(mk, rng, 3, dsp_san_exe, ref_exe2, n_samples=2)
    for code in (OP.ADD, OP.MUL):
        for a, b in (([1, 3, 5, 7], [1, 3, 5, 7]), ([2, 3, 13], [13]), ([5, 1], [1, 7])):
            mb = _elementwise(rng, code, a, b, ACT.NONE)
            assert not compare(mb, _inputs(mb, rng, 2), dsp_san_exe, ref_exe2, golden=False)


def test_comparison_detects_a_one_lsb_difference(dsp_exe, ref_exe2, monkeypatch):
    """compare() must report a single flipped LSB in one output."""
    rng = np.random.default_rng(3)
    mb, _ = _fc_rand(rng, accum=20, units=6)
    samples = _inputs(mb, rng, 2)
    assert not compare(mb, samples, dsp_exe, ref_exe2)
    real = mg.host_batch

    def corrupt(model_bytes, smp, *, exe=None, **kw):
        out = real(model_bytes, smp, exe=exe, **kw)
        if exe == dsp_exe:
            b = bytearray(out[1][0])
            b[2] ^= 1
            out[1][0] = bytes(b)
        return out
    monkeypatch.setattr(mg, "host_batch", corrupt)
    bad = compare(mb, samples, dsp_exe, ref_exe2)
    assert any("dsp != ref" in x for x in bad) and any("vs TFLM" in x for x in bad), bad
