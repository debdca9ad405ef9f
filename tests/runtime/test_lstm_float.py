"""float32 UNIDIRECTIONAL_SEQUENCE_LSTM (mnist_lstm/trained_lstm.tflite) vs the
tflite-micro wheel, bit for bit: host build (plain + ASan/UBSan), one emulated
f413 run, and the float expf/tanhf/logistic helpers (kernels/ref/actf_common.c)
against the host libm that the wheel itself calls.

Besides the whole model (which ends in a float SOFTMAX), the checks run on the same
model cut after its FULLY_CONNECTED (LSTM -> RESHAPE -> FC), exposing both the LSTM
output sequence and the logits, so a difference is pinned to the LSTM."""

import ctypes
import subprocess
from pathlib import Path

import numpy as np
import pytest

from harness import golden, hostrun, modelgen
from harness.inputs import _read_png

REPO = Path(__file__).resolve().parents[2]
MODEL = "mnist_lstm/trained_lstm.tflite"
LSTM_OUT, FC_OUT = 18, 20          # tensor indices in trained_lstm.tflite


def _cut(model_bytes: bytes, n_ops: int, outputs) -> bytes:
    """The model with only its first n_ops operators and `outputs` as graph outputs."""
    from tflite_micro.tensorflow.lite.micro.compression import model_editor as me
    m = me.read(bytes(model_bytes))
    for oc in m.operator_codes:   # see modelgen.expose_outputs
        oc._fb.builtinCode = max(int(oc._fb.builtinCode or 0), int(oc._fb.deprecatedBuiltinCode or 0))
    for sg in m.subgraphs:
        for op in sg.operators:
            op.opcode = m.operator_codes[op.opcode_index].builtin_code
    sg = m.subgraphs[0]
    sg.operators = sg.operators[:n_ops]
    sg.outputs = [sg.tensors[i] for i in outputs]
    return bytes(m.build())


@pytest.fixture(scope="module")
def full_model(models_dir) -> Path:
    p = models_dir / MODEL
    if not p.is_file():
        pytest.fail(f"{p} missing (../shared/models)")
    return p


@pytest.fixture(scope="module")
def lstm_fc(full_model, tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("lstm_float") / "trained_lstm_to_fc.tflite"
    p.write_bytes(_cut(full_model.read_bytes(), 3, [LSTM_OUT, FC_OUT]))
    return p


def _samples(models_dir) -> list[list[np.ndarray]]:
    """The real digits in mnist_lstm/samples, as upstream feeds them: pixels / 255."""
    out = []
    for png in sorted((models_dir / "mnist_lstm" / "samples").glob("sample*.png")):
        grey = _read_png(png)
        assert grey.shape == (28, 28)
        out.append([(grey.astype(np.float32) / np.float32(255.0)).reshape(1, 28, 28)])
    return out


def _random(n: int, seed: int) -> list[list[np.ndarray]]:
    """Standard normal, [0, 1) pixels, and wide inputs that saturate the gates,
    hit the cell clip (10.0) and push expf into its underflow/large range."""
    rng = np.random.default_rng(seed)
    scales = [1.0, 1.0, 0.1, 3.0, 30.0, 1000.0]
    sets = []
    for k in range(n):
        if k % 7 == 6:
            x = rng.uniform(0.0, 1.0, (1, 28, 28))
        else:
            x = rng.standard_normal((1, 28, 28)) * scales[k % len(scales)]
        sets.append([x.astype(np.float32)])
    return sets


def _ulp_report(ours, gold) -> tuple[int, int]:
    """(number of differing outputs, max |difference| in float32 bit patterns)."""
    n_bad, max_ulp = 0, 0
    for o, g in zip(ours, gold):
        assert len(o) == len(g)
        for a, b in zip(o, g):
            assert len(a) == len(b)
            if a != b:
                n_bad += 1
                d = np.abs(np.frombuffer(a, np.int32).astype(np.int64) -
                           np.frombuffer(b, np.int32).astype(np.int64))
                max_ulp = max(max_ulp, int(d.max()))
    return n_bad, max_ulp


def test_lstm_float_bit_exact_host(lstm_fc, models_dir, host_exe):
    sets = _random(40, seed=11) + _samples(models_dir)
    assert len(sets) >= 50
    ours = modelgen.host_batch(lstm_fc.read_bytes(), sets, exe=host_exe)
    gold = modelgen.golden_batch(lstm_fc.read_bytes(), sets)
    n_bad, max_ulp = _ulp_report(ours, gold)
    print(f"{len(sets)} inputs x 2 outputs: {n_bad} differ, max {max_ulp} ULP")
    assert n_bad == 0, f"{n_bad} outputs differ from TFLM, max {max_ulp} ULP"


def test_lstm_float_state_and_zero_sign(lstm_fc, host_exe):
    """All-zero / all -0.0 / +-inf inputs: sign of zero and inf/NaN handling match too."""
    z = np.zeros((1, 28, 28), np.float32)
    inf = z.copy()
    inf[0, 3, 5] = np.inf
    ninf = z.copy()
    ninf[0, 27, 27] = -np.inf
    sets = [[z], [-z], [inf], [ninf]]
    ours = modelgen.host_batch(lstm_fc.read_bytes(), sets, exe=host_exe)
    gold = modelgen.golden_batch(lstm_fc.read_bytes(), sets)
    assert ours == gold


def test_lstm_float_under_asan(lstm_fc, models_dir, asan_exe):
    sets = _random(3, seed=5) + _samples(models_dir)[:2]
    ours = modelgen.host_batch(lstm_fc.read_bytes(), sets, exe=asan_exe)
    assert ours == modelgen.golden_batch(lstm_fc.read_bytes(), sets)


def test_lstm_float_full_model_host(full_model, models_dir, host_exe):
    sets = [hostrun.random_inputs(full_model, seed=s) for s in range(20)] + _samples(models_dir)
    ours = hostrun.run_host_many(full_model, sets)
    for xs, o in zip(sets, ours):
        for r, y in zip(golden.golden_outputs(full_model, xs), o):
            assert np.array_equal(r.view(np.uint32), y.view(np.uint32))


def test_lstm_float_emulated_f413(lstm_fc):
    from harness.anymodel import check_model
    res = check_model("f413", lstm_fc, n_inputs=3)
    rec = res["record"]
    print(f"f413: bit_exact={res['bit_exact']} invoke_cycles_avg={rec['invoke_cycles_avg']} "
          f"arena={rec['arena']}")
    assert res["bit_exact"], res.get("mismatches")


# ---- the helpers against the host libm (what the wheel's std::exp/std::tanh call) ----

@pytest.fixture(scope="module")
def actf(tmp_path_factory):
    src = REPO / "firmware" / "runtime" / "kernels" / "ref" / "actf_common.c"
    so = tmp_path_factory.mktemp("actf") / "libactf.so"
    subprocess.run(["cc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                    "-o", str(so), str(src)], check=True)
    lib = ctypes.CDLL(str(so))
    for f in ("bt_expf", "bt_tanhf", "bt_logisticf"):
        getattr(lib, f).restype = ctypes.c_float
        getattr(lib, f).argtypes = [ctypes.c_float]
    return lib


def test_actf_matches_host_libm(actf):
    """1e5 random bit patterns + edge cases; exhaustive over all 2^32 inputs was
    run once (0 differences for each helper), too slow for every run."""
    libm = ctypes.CDLL("libm.so.6")
    for f in ("expf", "tanhf"):
        getattr(libm, f).restype = ctypes.c_float
        getattr(libm, f).argtypes = [ctypes.c_float]
    rng = np.random.default_rng(7)
    bits = np.concatenate([
        rng.integers(0, 2**32, 60000, dtype=np.uint64).astype(np.uint32),
        np.float32(rng.uniform(-120, 100, 40000)).view(np.uint32),
        np.array([0, 0x80000000, 0x7f800000, 0xff800000, 0x4202422f, 0xc27c65d9,
                  0x42b17218, 0xc2cff1b5, 0x41100000, 0xc1100000, 0x4184f492], np.uint32)])
    xs = bits.view(np.float32)

    def same(a, b):
        return np.isnan(a) and np.isnan(b) or np.float32(a).view(np.uint32) == np.float32(b).view(np.uint32)

    def logistic_ref(x):
        if x > np.float32(16.619047164916992188):
            return np.float32(1.0)
        if x < -9.0:
            return np.float32(libm.expf(x))
        return np.float32(1.0) / (np.float32(1.0) + np.float32(libm.expf(-x)))

    bad = []
    for x in xs.tolist():
        for name, ours, ref in (("expf", actf.bt_expf(x), libm.expf(x)),
                                ("tanhf", actf.bt_tanhf(x), libm.tanhf(x)),
                                ("logistic", actf.bt_logisticf(x), logistic_ref(np.float32(x)))):
            if not same(ours, ref):
                bad.append((name, float.hex(x), float.hex(ours), float.hex(float(ref))))
    assert not bad, f"{len(bad)} differences, e.g. {bad[:5]}"


# ---- random single-op float LSTMs: batches, time-major, clip values, state carry-over ----

def _float_lstm_model(rng, batch, steps, n_in, n_state, time_major, clip, wscale):
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

    from .test_seq_ops import Tn, single_op
    shape_in = (steps, batch, n_in) if time_major else (batch, steps, n_in)
    shape_out = (steps, batch, n_state) if time_major else (batch, steps, n_state)
    x = Tn(shape_in, np.float32, name="x")
    ins = [x]
    ins += [Tn((n_state, n_in), np.float32, data=(rng.standard_normal((n_state, n_in)) * wscale)
               .astype(np.float32)) for _ in range(4)]
    ins += [Tn((n_state, n_state), np.float32, data=(rng.standard_normal((n_state, n_state)) * wscale)
               .astype(np.float32)) for _ in range(4)]
    ins += [None, None, None]                            # no peephole
    ins += [Tn((n_state,), np.float32, data=rng.standard_normal(n_state).astype(np.float32))
            for _ in range(4)]
    ins += [None, None]                                  # no projection
    h = Tn((batch, n_state), np.float32, variable=True, name="h")
    c = Tn((batch, n_state), np.float32, variable=True, name="c")
    ins += [h, c, None, None, None, None]                # no layer norm
    y = Tn(shape_out, np.float32, name="y")
    opt = tfl.UnidirectionalSequenceLSTMOptionsT()
    opt.fusedActivationFunction = tfl.ActivationFunctionType.TANH
    opt.cellClip = float(clip)
    opt.projClip = 0.0
    opt.timeMajor = bool(time_major)
    return single_op(tfl.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM, ins, [y],
                     tfl.BuiltinOptions.UnidirectionalSequenceLSTMOptions, opt,
                     graph_inputs=[x]), shape_in


@pytest.mark.parametrize("case", range(8))
def test_float_lstm_random_single_op(case, host_exe):
    from .test_seq_ops import check_seq
    rng = np.random.default_rng(7300 + case)
    batch, steps = int(rng.integers(1, 4)), int(rng.integers(1, 9))
    n_in, n_state = int(rng.integers(1, 24)), int(rng.integers(1, 24))
    time_major = case % 3 == 1
    clip = float(rng.choice([0.0, 0.5, 3.0, 10.0, -1.0]))   # TFLM: clip only when > 0
    wscale = float(rng.choice([0.1, 0.5, 2.0]))
    model, shape_in = _float_lstm_model(rng, batch, steps, n_in, n_state, time_major, clip, wscale)
    seq = [[(rng.standard_normal(shape_in) * float(rng.choice([0.5, 3.0, 20.0]))).astype(np.float32)]
           for _ in range(4)]
    check_seq(model, seq, f"float lstm case {case} (b{batch} t{steps} in{n_in} s{n_state} "
                          f"tm{time_major} clip{clip} w{wscale})")
    if case < 2:
        check_seq(model, seq, f"float lstm case {case} asan", sanitize=True)
